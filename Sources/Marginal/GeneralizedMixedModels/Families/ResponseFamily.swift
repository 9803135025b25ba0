import Foundation

/// The conditional distribution of one response given its linear predictor, as R's `family`
/// objects define it (McCullagh & Nelder 1989, ch. 2): the variance function, the deviance
/// residuals, the log-likelihood (R's `aic`, halved and negated), the starting mean, and what
/// responses are valid. PIRLS, the Laplace deviance and (next) the joint density and the samplers
/// all go through this, so a new family is one small file. Prior weights wᵢ are R's `weights`
/// (the number of trials for a binomial proportion).
public protocol ResponseFamily: Sendable {
    /// R's name: `binomial`, `poisson`.
    var name: String { get }
    var defaultLink: Link { get }
    /// The links the family accepts.
    var links: [Link] { get }
    /// The canonical link, where the family offers it: there Fisher scoring is Newton's method
    /// (the observed information is the expected one).
    var canonicalLink: Link? { get }
    /// V(μ), the variance function (the variance of yᵢ is φ V(μᵢ)/wᵢ).
    func variance(_ mu: Double) -> Double
    /// wᵢ d(yᵢ, μᵢ), the row's deviance residual squared (R's `dev.resids`).
    func deviance(_ y: Double, _ mu: Double, weight: Double) -> Double
    /// log p(yᵢ | μᵢ) with its prior weight, constants included (−½ of R's `aic` per row).
    func logLikelihood(_ y: Double, _ mu: Double, weight: Double) -> Double
    /// R's `mustart`: where PIRLS starts.
    func initialMean(_ y: Double, weight: Double) -> Double
    /// Why (yᵢ, wᵢ) cannot come from the family, in plain words, or nil.
    func invalidResponse(_ y: Double, weight: Double) -> String?
    /// A response drawn from the family at mean μ with prior weight w (R's `simulate` for the
    /// family): what a parametric bootstrap of a generalized model refits.
    func simulate(mean mu: Double, weight: Double, random: inout RandomSource) -> Double
    /// φ in −2 log p(y | μ) = w d(y, μ)/φ + c(y, φ): what the deviance residuals are divided by
    /// in the penalized deviance PIRLS minimizes (1 but for the Gamma's dispersion).
    var devianceScale: Double { get }
    /// The family's estimated dispersion parameter (the negative binomial's shape k), or nil for
    /// a family whose dispersion is fixed (binomial, Poisson).
    var dispersion: Double? { get }
    /// The family with its dispersion parameter set to `value` (itself where it has none).
    func withDispersion(_ value: Double) -> any ResponseFamily
    /// Where the search for the dispersion starts, from a generalized linear model's means μᵢ.
    func initialDispersion(y: [Double], mu: [Double], weights: [Double]) -> Double?
    /// ``working(_:eta:link:weight:)`` for every row, into `weights` and `responses`: PIRLS's
    /// hot loop, a requirement so that each family's loop is compiled for it (the default below).
    func workingValues(y: [Double], eta: [Double], link: Link, priorWeights: [Double], weights: inout [Double], responses: inout [Double])
    /// Σᵢ wᵢ d(yᵢ, μᵢ) over the rows at η, the other hot loop (the default below).
    func devianceSum(y: [Double], eta: [Double], link: Link, priorWeights: [Double]) -> Double
}

extension ResponseFamily {
    public var devianceScale: Double { 1 }
    public var dispersion: Double? { nil }
    public func withDispersion(_ value: Double) -> any ResponseFamily { self }
    public func initialDispersion(y: [Double], mu: [Double], weights: [Double]) -> Double? { nil }
}

extension ResponseFamily {
    public func workingValues(y: [Double], eta: [Double], link: Link, priorWeights: [Double], weights: inout [Double], responses: inout [Double]) {
        for i in eta.indices {
            let w = working(y[i], eta: eta[i], link: link, weight: priorWeights[i])
            weights[i] = w.weight
            responses[i] = w.response
        }
    }

    public func devianceSum(y: [Double], eta: [Double], link: Link, priorWeights: [Double]) -> Double {
        var sum = 0.0
        for i in eta.indices { sum += deviance(y[i], link.mean(eta[i]), weight: priorWeights[i]) }
        return sum
    }
}

extension ResponseFamily {
    /// ∂ log p(yᵢ | η)/∂η = wᵢ (yᵢ − μ) μ′(η) / V(μ): the score in the linear predictor.
    public func score(_ y: Double, eta: Double, link: Link, weight: Double) -> Double {
        let mu = link.mean(eta)
        return weight * (y - mu) * link.derivative(eta) / variance(mu)
    }

    /// The observed information −∂² log p(yᵢ | η)/∂η², by central differences of the score (step
    /// 10⁻⁵(1 + |η|), error about 1e-10 relative): Newton's weight where the link is not canonical.
    func observedWeight(_ y: Double, eta: Double, link: Link, weight: Double) -> Double {
        let h = 1e-5 * (1 + abs(eta))
        return -(score(y, eta: eta + h, link: link, weight: weight) - score(y, eta: eta - h, link: link, weight: weight)) / (2 * h)
    }

    /// The working weight wᵢ μ′(η)²/V(μ) (Fisher scoring's weight) and the working response
    /// η − o + (yᵢ − μ)/μ′(η) of iteratively reweighted least squares.
    func working(_ y: Double, eta: Double, link: Link, weight: Double) -> (weight: Double, response: Double) {
        let (mu, d) = link.meanAndDerivative(eta)
        return (weight * d * d / variance(mu), eta + (y - mu) / d)
    }

    /// y log(y/μ), 0 at y = 0 (R's `y_log_y`).
    static func yLogY(_ y: Double, _ mu: Double) -> Double {
        y > 0 ? y * Foundation.log(y / mu) : 0
    }
}

/// The families by R's name.
public enum ResponseFamilies {
    public static let all: [any ResponseFamily] = [BinomialFamily(), PoissonFamily(), NegativeBinomialFamily(), GammaFamily()]

    /// The family named `name` (`bernoulli` is the binomial with one trial per row).
    public static func named(_ name: String) -> (any ResponseFamily)? {
        let key = name.lowercased()
        if key == "bernoulli" { return BinomialFamily() }
        return all.first { $0.name == key }
    }
}
