/// A glmmTMB structure Σ = D R(φ) D, D = diag(sd) with one SD per column or one for all (the
/// correlation structure says which): θ = (τ, φ) with τ = sd/σ ≥ 0, and the relative factor
///
///     λ = D_τ L,   L = chol R(φ)   (lower triangular, so λλᵀ = D_τ R D_τ = Σ/σ²).
///
/// Its derivatives: ∂λ/∂τ_a is row a of L (summed over rows for a shared SD), and for φ_m the
/// derivative of a Cholesky factor, dL = L Φ(L⁻¹ dR L⁻ᵀ) with Φ the lower triangle and half the
/// diagonal (Murray 2016, "Differentiation of the Cholesky decomposition", arXiv:1602.07527), so
///
///     ∂f/∂φ_m = ⟨G, D_τ dL⟩ = ⟨Lᵀ D_τ G_lower, Φ(L⁻¹ ∂R/∂φ_m L⁻ᵀ)⟩,   G = ∂f/∂λ.
///
/// Everything is S × S and dense, computed once per θ in stack scratch.
struct ScaledCorrelationCovariance<Correlation: CorrelationStructure>: CovarianceStructure {
    let correlation: Correlation

    var dimension: Int { correlation.dimension }
    /// The number of SDs in θ (its first elements).
    var sdCount: Int { correlation.heterogeneous ? dimension : 1 }
    var parameterCount: Int { sdCount + correlation.parameterCount }
    var lowerBounds: [Double] {
        Array(repeating: 0, count: sdCount) + Array(repeating: -.infinity, count: correlation.parameterCount)
    }
    var initial: [Double] { Array(repeating: 1, count: sdCount) + correlation.initial }
    var initialSteps: [Double] {
        Array(repeating: 0.75, count: sdCount) + Array(repeating: 0.5, count: correlation.parameterCount)
    }
    /// The SDs of a heterogeneous structure are in their columns' units; a shared SD belongs to
    /// indicator columns (one per time or position), which need no scaling.
    var scaleColumns: [Int?] {
        (correlation.heterogeneous ? (0..<dimension).map { Optional($0) } : [nil])
            + Array(repeating: nil, count: correlation.parameterCount)
    }

    /// τ of row i.
    private func sd(_ theta: UnsafeBufferPointer<Double>, row i: Int) -> Double {
        theta[correlation.heterogeneous ? i : 0]
    }

    /// L = chol R(φ) into `l` (S × S); false when R is not numerically positive definite.
    private func choleskyOfCorrelation(_ l: UnsafeMutablePointer<Double>, theta: UnsafeBufferPointer<Double>) -> Bool {
        let phi = UnsafeBufferPointer(rebasing: theta[sdCount...])
        correlation.correlation(l, phi: phi)
        return SmallMatrix.choleskyLower(l, size: dimension, pivots: .relative(1e-12))
    }

    func fill(_ lambda: UnsafeMutablePointer<Double>, ld: Int, theta: UnsafeBufferPointer<Double>) -> Bool {
        let s = dimension
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: s * s) { scratch in
            let l = scratch.baseAddress!
            guard choleskyOfCorrelation(l, theta: theta) else { return false }
            for j in 0..<s {
                for i in j..<s { lambda[i + j * ld] = sd(theta, row: i) * l[i + j * s] }
            }
            return true
        }
    }

    func pullBack(
        _ g: UnsafePointer<Double>, ld: Int, theta: UnsafeBufferPointer<Double>,
        into gradient: UnsafeMutableBufferPointer<Double>
    ) {
        let s = dimension
        for m in 0..<parameterCount { gradient[m] = 0 }
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 3 * s * s) { scratch in
            let l = scratch.baseAddress!, p = l + s * s, work = p + s * s
            guard choleskyOfCorrelation(l, theta: theta) else { return }
            // SDs: ∂λ_ij/∂τ_i = L_ij.
            for j in 0..<s {
                for i in j..<s { gradient[correlation.heterogeneous ? i : 0] += g[i + j * ld] * l[i + j * s] }
            }
            // P = Lᵀ (D_τ G) on the lower triangle of G (λ's upper triangle is not free).
            for j in 0..<s {
                for k in 0..<s {
                    var sum = 0.0
                    for i in max(k, j)..<s { sum += l[i + k * s] * sd(theta, row: i) * g[i + j * ld] }
                    p[k + j * s] = sum
                }
            }
            let phi = UnsafeBufferPointer(rebasing: theta[sdCount...])
            for m in 0..<correlation.parameterCount {
                // work ← L⁻¹ ∂R L⁻ᵀ: solve L X = ∂R by columns, transpose (X symmetric-compatible:
                // Xᵀ = ∂R L⁻ᵀ), and solve again.
                correlation.derivative(work, parameter: m, phi: phi)
                for column in 0..<s { SmallMatrix.solveLower(l, work + column * s, size: s) }
                for j in 0..<s {
                    for i in (j + 1)..<max(s, j + 1) { swap(&work[i + j * s], &work[j + i * s]) }
                }
                for column in 0..<s { SmallMatrix.solveLower(l, work + column * s, size: s) }
                var sum = 0.0
                for j in 0..<s {
                    sum += 0.5 * p[j + j * s] * work[j + j * s]
                    for k in (j + 1)..<max(s, j + 1) { sum += p[k + j * s] * work[k + j * s] }
                }
                gradient[sdCount + m] = sum
            }
        }
    }

    /// `id.ar1.sd` (relative to σ), `id.cs.sd.MachineA`, then `id.ar1.rho` and the like, with
    /// the correlation's unconstrained parameters named as glmmTMB transforms them.
    func parameterNames(group: String, columns: [String]) -> [String] {
        let prefix = "\(group).\(correlation.keyword)"
        let sds = correlation.heterogeneous ? columns.map { "\(prefix).sd.\($0)" } : ["\(prefix).sd"]
        return sds + correlation.parameterNames.map { "\(prefix).\($0)" }
    }

    func reported(theta: [Double]) -> [StructureParameter] {
        correlation.reported(phi: Array(theta[sdCount...]))
    }
}

/// What the Bayesian layout (``MixedModelParameterization``) reads of a glmmTMB structure: it
/// samples the SDs on their own (absolute, not relative to σ) and the correlation's unconstrained
/// φ, and maps them to the absolute factor T = D_sd L(φ), L = chol R(φ).
protocol StructuredCovariance: CovarianceStructure {
    /// The SDs in θ: one per column (`cs`, `toep`) or one for all.
    var sdCount: Int { get }
    /// φ's elements, their start and names (glmmTMB's unconstrained `rho.transformed`, `log.range`).
    var correlationParameterCount: Int { get }
    var correlationInitial: [Double] { get }
    var correlationParameterNames: [String] { get }
    var keyword: String { get }
    /// The correlation parameters as reported (ρ, range), with their names.
    func reported(phi: [Double]) -> [StructureParameter]
    /// L = chol R(φ) into `l` (S × S, column-major, zeros above the diagonal); false when R is not
    /// numerically positive definite.
    func correlationFactor(_ l: UnsafeMutablePointer<Double>, phi: UnsafeBufferPointer<Double>) -> Bool
    /// ∂f/∂φ from ∂f/∂L (S × S, lower triangle), into `gradient` (φ's count).
    func correlationPullBack(_ lGradient: UnsafePointer<Double>, phi: UnsafeBufferPointer<Double>, into gradient: UnsafeMutableBufferPointer<Double>)
}

extension ScaledCorrelationCovariance: StructuredCovariance {
    var correlationParameterCount: Int { correlation.parameterCount }
    var correlationInitial: [Double] { correlation.initial }
    var correlationParameterNames: [String] { correlation.parameterNames }
    var keyword: String { correlation.keyword }

    func reported(phi: [Double]) -> [StructureParameter] { correlation.reported(phi: phi) }

    /// θ with unit SDs, at which λ is L itself.
    private func withUnitSDs<R>(_ phi: UnsafeBufferPointer<Double>, _ body: (UnsafeBufferPointer<Double>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: parameterCount) { theta in
            for i in 0..<sdCount { theta[i] = 1 }
            for i in 0..<phi.count { theta[sdCount + i] = phi[i] }
            return body(UnsafeBufferPointer(theta))
        }
    }

    func correlationFactor(_ l: UnsafeMutablePointer<Double>, phi: UnsafeBufferPointer<Double>) -> Bool {
        l.update(repeating: 0, count: dimension * dimension)
        return withUnitSDs(phi) { fill(l, ld: dimension, theta: $0) }
    }

    func correlationPullBack(_ lGradient: UnsafePointer<Double>, phi: UnsafeBufferPointer<Double>, into gradient: UnsafeMutableBufferPointer<Double>) {
        withUnitSDs(phi) { theta in
            withUnsafeTemporaryAllocation(of: Double.self, capacity: parameterCount) { all in
                pullBack(lGradient, ld: dimension, theta: theta, into: all)
                for i in 0..<correlationParameterCount { gradient[i] = all[sdCount + i] }
            }
        }
    }
}
