/// The decoded global parameters of a linear mixed model at one point x, with the workspace
/// a log density needs to accumulate its gradient (see ``MixedModelParameterization``).
/// Made once per density by `makeGlobals()`; decoding and differentiating reuse its storage.
struct GlobalParameters: Sendable {
    var beta: [Double]
    var sigma: Double
    /// Every SD, part by part (a structure's one SD once).
    var sds: [Double]
    /// The m × m correlation Cholesky factor L of each correlated part.
    var correlationFactors: [[Double]]
    /// log |J| of each correlated part's transform.
    var logJacobians: [Double]
    /// Each block's absolute covariance factor T (S × S, column-major, lower): Σ = T Tᵀ.
    var factors: [[Double]]
    /// ∂ℓ/∂T per block and ∂ℓ/∂β, filled by the likelihood before `completeGradient`.
    var factorAdjoints: [[Double]]
    var betaAdjoint: [Double]
    /// Scratch for the adjoint of one correlation factor (m × m for the largest part).
    var correlationScratch: [Double] = []
    /// Every structured part's φ, in order, and its correlation factor L = chol R(φ) (m × m).
    var structureParameters: [Double]
    var structureFactors: [[Double]]

    init(beta: [Double], sigma: Double, sds: [Double], correlationFactors: [[Double]], logJacobians: [Double],
         factors: [[Double]], factorAdjoints: [[Double]], betaAdjoint: [Double],
         structureParameters: [Double] = [], structureFactors: [[Double]] = []) {
        self.structureParameters = structureParameters
        self.structureFactors = structureFactors
        self.beta = beta
        self.sigma = sigma
        self.sds = sds
        self.correlationFactors = correlationFactors
        self.logJacobians = logJacobians
        self.factors = factors
        self.factorAdjoints = factorAdjoints
        self.betaAdjoint = betaAdjoint
        correlationScratch = Array(repeating: 0, count: correlationFactors.map(\.count).max() ?? 0)
    }
}
