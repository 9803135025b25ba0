/// How one random-effect term's parameters give its relative covariance factor: the seam between
/// the engine, which needs only λ (S × S, lower triangular, Σ_b = σ² λλᵀ per level) and ∂f/∂θ
/// from ∂f/∂λ, and the covariance structures a formula can ask for.
///
/// lme4's unstructured term is one conformance (``UnstructuredCovariance``: θ the free elements of
/// λ); glmmTMB's structured terms (`diag`, `cs`, `toep`, `ar1`, `ou`, `exp`, `gau`, `mat`) are
/// others: an SD (or one per column) and a correlation matrix R(φ) of a few parameters
/// (``ScaledCorrelationCovariance``, with one ``CorrelationStructure`` per structure). Since the
/// engine profiles σ out, the SDs in θ are relative to σ, as lme4's θ is.
protocol CovarianceStructure: Sendable {
    /// S, the number of columns (random effects per level).
    var dimension: Int { get }
    /// The number of θ elements.
    var parameterCount: Int { get }
    /// Lower bound of each θ element: 0 for an SD (a boundary fit sets it to 0), −∞ otherwise.
    var lowerBounds: [Double] { get }
    /// The optimizer's start.
    var initial: [Double] { get }
    /// The optimizer's first steps.
    var initialSteps: [Double] { get }
    /// For each θ element, the column whose size scales it (an SD or an element of λ in the
    /// units of that column), or nil for a unit-free parameter (a correlation, a log range).
    var scaleColumns: [Int?] { get }

    /// Writes λ(θ) into the S × S block at `lambda` (column-major, leading dimension `ld`; the
    /// caller has zeroed it). Returns false when θ gives no positive-definite correlation matrix.
    func fill(_ lambda: UnsafeMutablePointer<Double>, ld: Int, theta: UnsafeBufferPointer<Double>) -> Bool

    /// The chain rule ∂f/∂θ_m = Σ_ij (∂f/∂λ_ij)(∂λ_ij/∂θ_m), for ∂f/∂λ in the S × S block at
    /// `lambdaGradient` (leading dimension `ld`), written into `gradient` (parameterCount values).
    func pullBack(
        _ lambdaGradient: UnsafePointer<Double>, ld: Int, theta: UnsafeBufferPointer<Double>,
        into gradient: UnsafeMutableBufferPointer<Double>)

    /// The θ elements' names, given the grouping factor and the columns' names.
    func parameterNames(group: String, columns: [String]) -> [String]

    /// The correlation parameters as glmmTMB's `summary` reports them (ρ, a range, a rate); none
    /// for lme4's unstructured term and `diag`. The SDs, for every structure, are read from λ
    /// with the residual SD (``VarianceComponent``).
    func reported(theta: [Double]) -> [StructureParameter]
}

/// One reported correlation parameter of a structured term: `rho`, `rho.lag2`, `range`, `rate`.
public struct StructureParameter: Sendable, Equatable, Codable {
    public var name: String
    public var value: Double
}
