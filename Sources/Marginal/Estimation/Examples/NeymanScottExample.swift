import Foundation

/// The Neyman–Scott problem (Neyman & Scott 1948, "Consistent estimates based on partially
/// consistent observations", *Econometrica* 16(1)): N pairs y_i1, y_i2 ~ N(μᵢ, θ) independent,
/// one nuisance mean per pair, θ the common variance. With dᵢ = y_i1 − y_i2:
///
/// - **joint MLE** over (μ, θ): μ̂ᵢ = ȳᵢ and θ̂_joint = (1/2N) Σᵢ Σₐ (y_ia − ȳᵢ)² = (1/4N) Σ dᵢ², whose
///   expectation is θ/2 for every N: inconsistent, because each μ̂ᵢ is treated as known although it
///   rests on two observations;
/// - **marginal MLE**, μᵢ integrated out under a flat prior (equivalently, the likelihood of the
///   differences dᵢ ~ N(0, 2θ), i.e. REML): θ̂_marg = (1/2N) Σ dᵢ², unbiased and consistent;
///   exactly twice the joint MLE;
/// - **EM** with μ as the missing data (flat prior): E-step μᵢ | y, θ ~ N(ȳᵢ, θ/2); M-step
///   θ′ = (1/2N) Σᵢ Σₐ E[(y_ia − μᵢ)²] = (1/2N)(S + Nθ) with S = Σᵢ Σₐ (y_ia − ȳᵢ)², i.e.
///   θ′ = θ̂_joint + θ/2. Its fixed point is θ̂_marg = 2θ̂_joint, reached at rate 1/2 per step:
///   EM maximizes the marginal likelihood, not the joint one.
///
/// Sampling error: 2N θ̂_marg / θ ~ χ²_N, so SE(θ̂_marg) = θ √(2/N) and SE(θ̂_joint) = (θ/2) √(2/N).
/// The means μᵢ are drawn from N(0, `meanSD`²); no estimator above depends on them.
public struct NeymanScottExample: Sendable {
    public var pairs: Int
    /// θ, the variance of each observation.
    public var theta: Double
    public var seed: UInt64
    public var meanSD = 1.0
    /// EM stops when a step changes θ by at most this fraction of θ.
    public var emTolerance = 1e-12
    public var emMaximumIterations = 1_000

    public init(pairs: Int = 100_000, theta: Double = 2, seed: UInt64 = 1) {
        self.pairs = pairs
        self.theta = theta
        self.seed = seed
    }

    /// What the example reports (`marginal example neyman-scott --json`).
    public struct Result: Sendable, Codable, Equatable {
        public var pairs: Int
        public var seed: UInt64
        /// θ, the true variance.
        public var truth: Double
        public var jointMLE: Double
        public var marginalMLE: Double
        public var em: Double
        public var emIterations: Int
        /// θ after each EM step, starting from the joint MLE.
        public var emTrace: [Double]
        /// The sampling standard errors θ√(2/N) and (θ/2)√(2/N) at the true θ.
        public var marginalStandardError: Double
        public var jointStandardError: Double
    }

    /// Simulates the pairs and computes the three estimates.
    public func run() throws(EstimationError) -> Result {
        guard pairs >= 1 else { throw .invalidOption(name: "pairs", value: "\(pairs)", requirement: "at least 1") }
        guard theta.isFinite, theta > 0 else { throw .invalidOption(name: "theta", value: "\(theta)", requirement: "a positive finite variance") }
        guard meanSD.isFinite, meanSD >= 0 else { throw .invalidOption(name: "meanSD", value: "\(meanSD)", requirement: "a non-negative finite number") }
        var random = RandomSource(seed: seed)
        let sd = theta.squareRoot()
        // S = Σᵢ Σₐ (y_ia − ȳᵢ)² = Σᵢ dᵢ²/2.
        var withinSquares = 0.0
        for _ in 0..<pairs {
            let mu = random.normal(mean: 0, standardDeviation: meanSD)
            let y1 = random.normal(mean: mu, standardDeviation: sd)
            let y2 = random.normal(mean: mu, standardDeviation: sd)
            let d = y1 - y2
            withinSquares += d * d / 2
        }
        let n = Double(pairs)
        let joint = withinSquares / (2 * n)
        let marginal = withinSquares / n
        var estimate = joint
        var trace: [Double] = []
        for _ in 0..<emMaximumIterations {
            // E-step: E[Σₐ (y_ia − μᵢ)²] = Σₐ (y_ia − ȳᵢ)² + 2 Var(μᵢ | y) = (pair's share of S) + θ.
            let expected = withinSquares + n * estimate
            let next = expected / (2 * n)
            trace.append(next)
            let change = abs(next - estimate)
            estimate = next
            if change <= emTolerance * estimate { break }
        }
        let standardError = theta * (2 / n).squareRoot()
        return Result(
            pairs: pairs, seed: seed, truth: theta, jointMLE: joint, marginalMLE: marginal, em: estimate,
            emIterations: trace.count, emTrace: trace, marginalStandardError: standardError,
            jointStandardError: standardError / 2)
    }
}

extension NeymanScottExample.Result {
    /// A few lines for the terminal.
    public var text: String {
        func f(_ x: Double) -> String { NumberFormat.significant(x, 6) }
        func z(_ estimate: Double, _ expected: Double, _ se: Double) -> String {
            String(format: "%+.2f", (estimate - expected) / se)
        }
        let table = TextTable(
            header: ["estimator", "estimate", "limit", "z"],
            rows: [
                ["joint MLE over (mu, theta)", f(jointMLE), f(truth / 2), z(jointMLE, truth / 2, jointStandardError)],
                ["marginal MLE (mu integrated out)", f(marginalMLE), f(truth), z(marginalMLE, truth, marginalStandardError)],
                ["EM (mu latent), \(emIterations) steps", f(em), f(truth), z(em, truth, marginalStandardError)],
            ])
        return """
            Neyman-Scott: \(pairs) pairs y_i1, y_i2 ~ N(mu_i, theta), true theta = \(f(truth)) (seed \(seed))

            \(table.render(indent: "  "))

            z = (estimate - limit) / standard error at the true theta (marginal \(f(marginalStandardError)),
            joint \(f(jointStandardError))). The joint MLE is exactly half the marginal MLE and tends to
            theta/2: maximizing over the pair means treats each estimated mean as known. Integrating
            the means out (flat prior), or EM with the means as missing data, which maximizes the
            same marginal likelihood, is consistent.
            """
    }
}
