import Foundation

/// The Gamma with shape ν and dispersion φ = 1/ν (McCullagh & Nelder 1989, §8): yᵢ > 0 with
/// Var y = φμ², so V(μ) = φμ² with the dispersion inside, and
///
///     log p = ν log ν − ν log μ + (ν − 1) log y − νy/μ − log Γ(ν)
///
/// (times the prior weight). φ is glmmTMB's `sigma(fit)^2` for `Gamma()`; the fit estimates it
/// with the other parameters. R's `Gamma()$dev.resids`: −2w[log(y/μ) − (y − μ)/μ].
public struct GammaFamily: ResponseFamily {
    public var dispersionValue: Double

    public init(dispersion: Double = 1) { dispersionValue = dispersion }

    public var name: String { "gamma" }
    public var defaultLink: Link { .inverse }
    public var canonicalLink: Link? { .inverse }
    public var links: [Link] { [.inverse, .log, .identity] }

    public func variance(_ mu: Double) -> Double { dispersionValue * mu * mu }

    public func deviance(_ y: Double, _ mu: Double, weight: Double) -> Double {
        -2 * weight * (Foundation.log(y / mu) - (y - mu) / mu)
    }

    public func logLikelihood(_ y: Double, _ mu: Double, weight: Double) -> Double {
        let shape = 1 / dispersionValue
        return weight * (shape * Foundation.log(shape / mu) + (shape - 1) * Foundation.log(y) - shape * y / mu - lgamma(shape))
    }

    public func initialMean(_ y: Double, weight: Double) -> Double { y }

    /// A Gamma deviate with shape w/φ and mean μ (R's `Gamma()$simulate`).
    public func simulate(mean mu: Double, weight: Double, random: inout RandomSource) -> Double {
        let shape = weight / dispersionValue
        return random.gamma(shape: shape) * mu / shape
    }

    public func invalidResponse(_ y: Double, weight: Double) -> String? {
        guard y > 0, y.isFinite else { return "a Gamma response is positive; got \(y)" }
        return nil
    }

    public var devianceScale: Double { dispersionValue }
    public var dispersion: Double? { dispersionValue }

    public func withDispersion(_ value: Double) -> any ResponseFamily { GammaFamily(dispersion: value) }

    /// Pearson's estimate Σ wᵢ(yᵢ − μᵢ)²/μᵢ² / n, kept within [1e-4, 100].
    public func initialDispersion(y: [Double], mu: [Double], weights: [Double]) -> Double? {
        guard !y.isEmpty else { return nil }
        var sum = 0.0
        for i in y.indices { sum += weights[i] * (y[i] - mu[i]) * (y[i] - mu[i]) / (mu[i] * mu[i]) }
        return min(max(sum / Double(y.count), 1e-4), 100)
    }
}
