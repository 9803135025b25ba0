/// A correlation matrix R(φ) of a few parameters over a term's S columns: the part of a glmmTMB
/// structure that ``ScaledCorrelationCovariance`` scales by SDs into Σ = D R D.
///
/// φ is glmmTMB's unconstrained parameterization of the structure (Brooks et al. 2017; glmmTMB's
/// vignette "Covariance structures with glmmTMB"), so the optimizer needs no bounds on it.
protocol CorrelationStructure: Sendable {
    /// glmmTMB's name of the structure, as written in a formula: `ar1`.
    var keyword: String { get }
    /// S.
    var dimension: Int { get }
    /// Whether each column has its own SD (`cs`, `toep`) or all share one (`ar1`, `ou`, `exp`,
    /// `gau`, `mat`).
    var heterogeneous: Bool { get }
    /// The number of φ elements.
    var parameterCount: Int { get }
    /// The optimizer's start for φ.
    var initial: [Double] { get }
    /// φ's names (after the SDs in θ): `rho`, `log.range`.
    var parameterNames: [String] { get }

    /// Writes R(φ) (S × S, column-major, both triangles) into `r`.
    func correlation(_ r: UnsafeMutablePointer<Double>, phi: UnsafeBufferPointer<Double>)

    /// Writes ∂R/∂φ_m (S × S, both triangles) into `derivative`.
    func derivative(_ derivative: UnsafeMutablePointer<Double>, parameter m: Int, phi: UnsafeBufferPointer<Double>)

    /// The correlation parameters as glmmTMB reports them (ρ, a range, a rate).
    func reported(phi: [Double]) -> [StructureParameter]
}

extension CorrelationStructure {
    /// Fills R with f(|i − j|) for a function of the lag (`ar1`, `toep`) or f(|c_i − c_j|) for one
    /// of the distance between coordinates (`ou`, `exp`, `gau`, `mat`); f(0) is set to `diagonal`.
    func fillStationary(_ r: UnsafeMutablePointer<Double>, diagonal: Double, _ f: (_ i: Int, _ j: Int) -> Double) {
        let s = dimension
        for j in 0..<s {
            r[j + j * s] = diagonal
            for i in (j + 1)..<max(s, j + 1) {
                let value = f(i, j)
                r[i + j * s] = value
                r[j + i * s] = value
            }
        }
    }
}
