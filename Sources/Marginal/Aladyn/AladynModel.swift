import Foundation

/// Everything in ALADYN's objective that is not estimated: the outcomes, the standardized
/// covariates G, the logit prevalence μ_dt (the φ prior mean's age trend), the signature
/// references r_k, the healthy reference (−5), the prior weight W and the two GP kernels.
///
/// The model (surbut/aladynoulli2, `clust_huge_amp_vectorized.py`):
///
///     λ_ik ~ GP(r_k + g_iᵀγ_k, Ω_λ)  (k < K),   λ_iK ~ GP(−5, Ω_λ)  (healthy)
///     θ_it = softmax_k λ_it,   φ_kd ~ GP(μ_d + ψ_kd, Ω_φ)
///     π_idt = clamp(κ Σ_k θ_ikt σ(φ_kdt), 10⁻⁶, 1 − 10⁻⁶)
///
/// and the published objective (lines 245–281 and 350, with R = 0)
///
///     L = (1/N) Σ_{i,d} [Σ_{t<E_id} −log(1 − π_idt) − y_id log π_idE − (1 − y_id) log(1 − π_idE)]
///         + W [ (1/2N) Σ_{i,k} ‖λ_ik − m_ik‖²_{Ω_λ⁻¹} + (1/2D) Σ_{k,d} ‖φ_kd − μ_d − ψ_kd‖²_{Ω_φ⁻¹} ]
///
/// with W = 10⁻⁴ as published; W = 1 makes L the negative log joint density over N (up to
/// constants), the literal MAP objective.
public struct AladynModel: Sendable {
    public let dimensions: AladynDimensions
    public let outcomes: AladynOutcomes
    /// G standardized per column (mean 0, SD 1 with divisor N, as lines 84–86), row-major N × P.
    public let covariates: [Double]
    /// μ_dt, row-major D × T.
    public let logitPrevalence: [Double]
    /// r_k for the K disease signatures.
    public let signatureReferences: [Double]
    public let healthyReference: Double
    /// W.
    public private(set) var priorWeight: Double
    public let lambdaKernel: AladynKernel
    public let phiKernel: AladynKernel

    /// The parameter-recovery notebook's signature references r_k: K values evenly spaced on
    /// [−1, 1] (0 for K = 1).
    public static func evenlySpacedReferences(signatures k: Int) -> [Double] {
        (0..<k).map { k == 1 ? 0 : -1 + 2 * Double($0) / Double(k - 1) }
    }

    /// `covariates` are the raw N × P values (row-major), standardized here.
    public init(
        outcomes: AladynOutcomes, covariates rawCovariates: [Double], covariateCount: Int,
        logitPrevalence: [Double], signatureReferences: [Double],
        healthyReference: Double = -5, priorWeight: Double = 1e-4
    ) throws(AladynError) {
        let dimensions = AladynDimensions(
            individuals: outcomes.individuals, diseases: outcomes.diseases, ages: outcomes.ages,
            signatures: signatureReferences.count, covariates: covariateCount)
        try dimensions.validate()
        let (n, d, t, p) = (dimensions.individuals, dimensions.diseases, dimensions.ages, covariateCount)
        guard rawCovariates.count == n * p else { throw .sizeMismatch(what: "the covariates", expected: n * p, found: rawCovariates.count) }
        guard logitPrevalence.count == d * t else { throw .sizeMismatch(what: "the logit prevalence", expected: d * t, found: logitPrevalence.count) }
        for value in logitPrevalence where !value.isFinite {
            throw .invalidValue(what: "a logit prevalence", value: "\(value)", requirement: "finite")
        }
        for value in signatureReferences + [healthyReference] where !value.isFinite {
            throw .invalidValue(what: "a signature reference", value: "\(value)", requirement: "finite")
        }
        guard priorWeight.isFinite, priorWeight >= 0 else {
            throw .invalidValue(what: "the prior weight W", value: "\(priorWeight)", requirement: "a non-negative finite number")
        }
        self.dimensions = dimensions
        self.outcomes = outcomes
        self.covariates = try Self.standardize(rawCovariates, rows: n, columns: p)
        self.logitPrevalence = logitPrevalence
        self.signatureReferences = signatureReferences
        self.healthyReference = healthyReference
        self.priorWeight = priorWeight
        (lambdaKernel, phiKernel) = try AladynKernel.published(ages: t)
    }

    /// The same model with another prior weight W.
    public func withPriorWeight(_ weight: Double) throws(AladynError) -> AladynModel {
        guard weight.isFinite, weight >= 0 else {
            throw .invalidValue(what: "the prior weight W", value: "\(weight)", requirement: "a non-negative finite number")
        }
        var copy = self
        copy.priorWeight = weight
        return copy
    }

    /// Column-wise (x − mean) / SD with divisor N; a constant column is an error (the published
    /// code would divide by zero).
    static func standardize(_ x: [Double], rows n: Int, columns p: Int) throws(AladynError) -> [Double] {
        var out = x
        for column in 0..<p {
            var mean = 0.0
            for row in 0..<n {
                let value = x[row * p + column]
                guard value.isFinite else {
                    throw .invalidValue(what: "covariate \(column) of individual \(row)", value: "\(value)", requirement: "finite")
                }
                mean += value
            }
            mean /= Double(n)
            var sumOfSquares = 0.0
            for row in 0..<n { sumOfSquares += (x[row * p + column] - mean) * (x[row * p + column] - mean) }
            let sd = (sumOfSquares / Double(n)).squareRoot()
            guard sd > 0 else { throw .invalidValue(what: "the SD of covariate \(column)", value: "0", requirement: "positive (a constant covariate cannot be standardized)") }
            for row in 0..<n { out[row * p + column] = (x[row * p + column] - mean) / sd }
        }
        return out
    }

    /// log((p + 10⁻⁸) / (1 − p + 10⁻⁸)), the published transform of a prevalence (line 93).
    public static func logit(prevalence p: Double) -> Double {
        log((p + 1e-8) / (1 - p + 1e-8))
    }
}
