import Foundation

/// The negative binomial with shape k (NB2, Hilbe 2011, *Negative Binomial Regression*, §5): yᵢ a
/// count with Var y = μ + μ²/k, so V(μ) = μ + μ²/k with the dispersion inside, and
///
///     log p = log Γ(y + k) − log Γ(k) − log y! + k log(k/(k + μ)) + y log(μ/(k + μ))
///
/// (times the prior weight), R's `MASS::negative.binomial(k)`: k is lme4's `glmer.nb` θ and
/// glmmTMB's `nbinom2` dispersion. The fit estimates k with the other parameters.
public struct NegativeBinomialFamily: ResponseFamily {
    public var shape: Double

    public init(shape: Double = 1) { self.shape = shape }

    public var name: String { "negative-binomial" }
    public var defaultLink: Link { .log }
    /// The canonical link log(μ/(μ + k)) is not offered.
    public var canonicalLink: Link? { nil }
    public var links: [Link] { [.log, .identity] }

    public func variance(_ mu: Double) -> Double { mu + mu * mu / shape }

    /// R's `negative.binomial()$dev.resids`: 2w[y log(y/μ) − (y + k) log((y + k)/(μ + k))].
    public func deviance(_ y: Double, _ mu: Double, weight: Double) -> Double {
        2 * weight * (Self.yLogY(y, mu) - (y + shape) * Foundation.log((y + shape) / (mu + shape)))
    }

    public func logLikelihood(_ y: Double, _ mu: Double, weight: Double) -> Double {
        let k = shape
        let counts = y > 0 ? y * Foundation.log(mu / (k + mu)) : 0
        return weight * (lgamma(y + k) - lgamma(k) - lgamma(y + 1) + k * Foundation.log(k / (k + mu)) + counts)
    }

    /// R's `mustart`: y + 1/6 for a zero count.
    public func initialMean(_ y: Double, weight: Double) -> Double { y + (y == 0 ? 1.0 / 6 : 0) }

    /// A count from the gamma–Poisson mixture: λ ~ Gamma(k, μ/k), y ~ Poisson(λ) (MASS's `rnegbin`).
    public func simulate(mean mu: Double, weight: Double, random: inout RandomSource) -> Double {
        random.poisson(mean: random.gamma(shape: shape) * mu / shape)
    }

    public func invalidResponse(_ y: Double, weight: Double) -> String? {
        guard y >= 0, y == y.rounded() else { return "a negative binomial response is a non-negative whole count; got \(y)" }
        return nil
    }

    public var dispersion: Double? { shape }

    public func withDispersion(_ value: Double) -> any ResponseFamily { NegativeBinomialFamily(shape: value) }

    /// By moments from the means μᵢ of a Poisson-like fit: Var y − μ = μ²/k, so
    /// 1/k ≈ Σ wᵢ[(yᵢ − μᵢ)² − μᵢ] / Σ wᵢμᵢ², kept within [0.01, 1000].
    public func initialDispersion(y: [Double], mu: [Double], weights: [Double]) -> Double? {
        var excess = 0.0, scale = 0.0
        for i in y.indices {
            excess += weights[i] * ((y[i] - mu[i]) * (y[i] - mu[i]) - mu[i])
            scale += weights[i] * mu[i] * mu[i]
        }
        guard scale > 0, excess > 0 else { return 1000 }
        return min(max(scale / excess, 0.01), 1000)
    }
}
