import Foundation

/// Binomial: yᵢ is a proportion of wᵢ trials (a 0/1 response has wᵢ = 1), V(μ) = μ(1 − μ).
/// log p = log C(wᵢ, wᵢyᵢ) + wᵢyᵢ log μ + wᵢ(1 − yᵢ) log(1 − μ), as R's `binomial()$aic` with
/// its binomial coefficient, which lme4's Laplace deviance includes.
public struct BinomialFamily: ResponseFamily {
    public init() {}
    public var name: String { "binomial" }
    public var defaultLink: Link { .logit }
    public var canonicalLink: Link? { .logit }
    public var links: [Link] { [.logit, .probit, .cloglog, .log] }

    public func variance(_ mu: Double) -> Double { mu * (1 - mu) }

    public func deviance(_ y: Double, _ mu: Double, weight: Double) -> Double {
        2 * weight * (Self.yLogY(y, mu) + Self.yLogY(1 - y, 1 - mu))
    }

    public func logLikelihood(_ y: Double, _ mu: Double, weight: Double) -> Double {
        let m = weight.rounded()
        let k = (weight * y).rounded()
        guard m > 0 else { return 0 }
        let coefficient = lgamma(m + 1) - lgamma(k + 1) - lgamma(m - k + 1)
        let successes = k > 0 ? k * Foundation.log(mu) : 0
        let failures = m - k > 0 ? (m - k) * Foundation.log1p(-mu) : 0
        return coefficient + successes + failures
    }

    public func initialMean(_ y: Double, weight: Double) -> Double { (weight * y + 0.5) / (weight + 1) }

    /// The proportion of successes in w (rounded) trials, each with probability μ; NaN for trials
    /// that are not finite or above 10⁷ (each trial is one draw).
    public func simulate(mean mu: Double, weight: Double, random: inout RandomSource) -> Double {
        guard weight.isFinite, weight <= 1e7 else { return .nan }
        let trials = Int(weight.rounded())
        guard trials > 0 else { return 0 }
        return random.binomial(trials: trials, probability: min(max(mu, 0), 1)) / Double(trials)
    }

    public func invalidResponse(_ y: Double, weight: Double) -> String? {
        guard y >= 0, y <= 1 else { return "a binomial response is a proportion in [0, 1] (or 0/1, or cbind(successes, failures)); got \(y)" }
        let successes = weight * y
        guard abs(successes - successes.rounded()) <= 1e-7 * max(1, weight) else {
            return "the number of successes, response × weight = \(successes), is not a whole number (give the trials as --weights, or use cbind(successes, failures))"
        }
        return nil
    }
}
