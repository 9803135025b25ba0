import Foundation

/// Poisson: yᵢ a count, V(μ) = μ, log p = y log μ − μ − log y! (times the prior weight, as R's
/// `poisson()$aic`).
public struct PoissonFamily: ResponseFamily {
    public init() {}
    public var name: String { "poisson" }
    public var defaultLink: Link { .log }
    public var canonicalLink: Link? { .log }
    public var links: [Link] { [.log, .identity] }

    public func variance(_ mu: Double) -> Double { mu }

    public func deviance(_ y: Double, _ mu: Double, weight: Double) -> Double {
        2 * weight * (Self.yLogY(y, mu) - (y - mu))
    }

    public func logLikelihood(_ y: Double, _ mu: Double, weight: Double) -> Double {
        weight * ((y > 0 ? y * Foundation.log(mu) : 0) - mu - lgamma(y + 1))
    }

    public func initialMean(_ y: Double, weight: Double) -> Double { y + 0.1 }

    /// A Poisson(μ) count (R's `poisson()$simulate`, which ignores prior weights).
    public func simulate(mean mu: Double, weight: Double, random: inout RandomSource) -> Double {
        random.poisson(mean: mu)
    }

    public func invalidResponse(_ y: Double, weight: Double) -> String? {
        guard y >= 0, y == y.rounded() else { return "a Poisson response is a non-negative whole count; got \(y)" }
        return nil
    }
}
