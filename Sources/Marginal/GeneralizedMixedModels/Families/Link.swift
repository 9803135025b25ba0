import Foundation

/// The link g of a generalized linear model, η = g(μ): its inverse μ = g⁻¹(η) and dμ/dη, as
/// R's `make.link` defines them (McCullagh & Nelder 1989, §2.2), with R's clamps so that μ stays
/// inside the family's range in floating point.
public enum Link: String, Sendable, CaseIterable, Codable {
    case logit, probit, cloglog, log, identity, inverse

    /// μ = g⁻¹(η).
    public func mean(_ eta: Double) -> Double {
        switch self {
        case .logit:
            // R's logit_linkinv: e^η is replaced by ε below η = −30 and 1/ε above 30.
            let e = eta < -30 ? Double.ulpOfOne : (eta > 30 ? 1 / Double.ulpOfOne : Foundation.exp(eta))
            return e / (1 + e)
        case .probit:
            let bound = -NormalQuantile.value(Double.ulpOfOne)
            return 0.5 * erfc(-min(max(eta, -bound), bound) / 2.0.squareRoot())
        case .cloglog:
            return max(min(-Foundation.expm1(-Foundation.exp(eta)), 1 - Double.ulpOfOne), Double.ulpOfOne)
        case .log:
            return max(Foundation.exp(eta), Double.ulpOfOne)
        case .identity:
            return eta
        case .inverse:
            return 1 / eta
        }
    }

    /// dμ/dη at η.
    public func derivative(_ eta: Double) -> Double {
        switch self {
        case .logit:
            guard abs(eta) <= 30 else { return Double.ulpOfOne }
            let e = Foundation.exp(eta)
            return e / ((1 + e) * (1 + e))
        case .probit:
            return max(Foundation.exp(-0.5 * eta * eta) / (2 * Double.pi).squareRoot(), Double.ulpOfOne)
        case .cloglog:
            let e = Foundation.exp(min(eta, 700))
            return max(e * Foundation.exp(-e), Double.ulpOfOne)
        case .log:
            return max(Foundation.exp(eta), Double.ulpOfOne)
        case .identity:
            return 1
        case .inverse:
            return -1 / (eta * eta)
        }
    }

    /// (``mean(_:)``, ``derivative(_:)``) with one exponential for the logit and log links, which
    /// PIRLS's working weights take at every row.
    @inline(__always)
    public func meanAndDerivative(_ eta: Double) -> (mean: Double, derivative: Double) {
        switch self {
        case .logit where abs(eta) <= 30:
            let e = Foundation.exp(eta)
            let mean = e / (1 + e)
            return (mean, mean / (1 + e))
        case .log:
            let mean = max(Foundation.exp(eta), Double.ulpOfOne)
            return (mean, mean)
        default:
            return (mean(eta), derivative(eta))
        }
    }

    /// d²μ/dη² at η: for a canonical link, the derivative of the working weight wμ′(η) in η, which
    /// the Laplace gradient's log-determinant term takes.
    public func secondDerivative(_ eta: Double) -> Double {
        switch self {
        case .logit:
            return derivative(eta) * (1 - 2 * mean(eta))
        case .probit:
            return -eta * Foundation.exp(-0.5 * eta * eta) / (2 * Double.pi).squareRoot()
        case .cloglog:
            let e = Foundation.exp(min(eta, 700))
            return e * Foundation.exp(-e) * (1 - e)
        case .log:
            return max(Foundation.exp(eta), Double.ulpOfOne)
        case .identity:
            return 0
        case .inverse:
            return 2 / (eta * eta * eta)
        }
    }

    /// For a canonical link (logit, log), the cumulant b(η) of the family it is canonical for,
    /// whose derivatives are μ, μ′ and μ″ (log p(y | η) = m(yη − b(η)) + c(y)): b = log(1 + eᶯ)
    /// for logit, eᶯ for log, with one exponential and at most one logarithm; nil for the others.
    func canonicalTerms(_ eta: Double) -> (cumulant: Double, mean: Double, derivative: Double, second: Double)? {
        switch self {
        case .logit:
            let e = Foundation.exp(-abs(eta))
            let mean = eta >= 0 ? 1 / (1 + e) : e / (1 + e)
            let derivative = mean * (1 - mean)
            return (max(eta, 0) + Foundation.log1p(e), mean, derivative, derivative * (1 - 2 * mean))
        case .log:
            let mean = Foundation.exp(eta)
            return (mean, mean, mean, mean)
        default:
            return nil
        }
    }

    /// η = g(μ).
    public func linearPredictor(_ mu: Double) -> Double {
        switch self {
        case .logit: Foundation.log(mu / (1 - mu))
        case .probit: NormalQuantile.value(mu)
        case .cloglog: Foundation.log(-Foundation.log1p(-mu))
        case .log: Foundation.log(mu)
        case .identity: mu
        case .inverse: 1 / mu
        }
    }
}
