/// What an ALADYN simulation knows and its fits must estimate (``AladynSimulation``), as written
/// beside the data by `marginal simulate aladyn` (JSON). Arrays are row-major with the last index
/// fastest, as ``AladynDimensions`` lays them out.
public struct AladynTruth: Sendable, Codable, Equatable {
    public var dimensions: AladynDimensions
    /// γ, P × K (covariate-major).
    public var gamma: [Double]
    /// ψ, (K + 1) × D (the healthy signature last).
    public var psi: [Double]
    /// κ.
    public var kappa: Double
    /// The signatures' reference levels r_k (K values).
    public var signatureReferences: [Double]
    /// μ, D × T: each disease's logit prevalence.
    public var logitPrevalence: [Double]
    /// φ, (K + 1) × D × T.
    public var phi: [Double]
    /// λ, N × (K + 1) × T.
    public var lambda: [Double]

    public init(_ simulation: AladynSimulation) {
        let truth = simulation.truth
        dimensions = simulation.dimensions
        gamma = truth.gamma
        psi = truth.psi
        kappa = truth.kappa
        signatureReferences = simulation.signatureReferences
        logitPrevalence = simulation.logitPrevalence
        phi = Array(truth[.diseaseLogits])
        lambda = Array(truth[.trajectories])
    }
}
