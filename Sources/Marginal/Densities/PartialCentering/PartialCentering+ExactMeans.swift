/// The conditional means of ``PartialCentering`` made exact at the pilot.
///
/// With the integrated-out effects M projected out, the effects of block k given β (and the
/// pilot σ̂, τ̂_k = λ̂σ̂, Λ̂_M) are Gaussian with precision A/σ̂², A = Z_kᵀPZ_k + I/λ̂², and mean A⁻¹Z_kᵀP(y − Xβ). The
/// per-level form m_l = (õ_l − c̃_lᵀβ)/(g̃_l + 1/λ̂²) at the pilot keeps only A's diagonal, and
/// A is not diagonal: levels of k that share levels of M are coupled through P. The coupling
/// matters most along directions the projection takes information from, above all the
/// intercept's: with M absorbing a shift of β₀, the mean of block k's effects follows β₀
/// far less than the diagonal form says, and ε would then drift with β₀.
///
/// So õ and c̃ are replaced by ô = diag(A) A⁻¹ Z_kᵀPy and ĉ = diag(A) A⁻¹ Z_kᵀPX, solved by
/// conjugate gradients with A applied through the projection (O(n) per product for one class) and preconditioned by
/// diag(A). Then m_l(θ̂) is the exact conditional mean at the pilot for every β, and away from
/// the pilot m_l = τ² (ô_l − ĉ_lᵀβ)/D_l still follows σ and τ through the per-level D_l. Any
/// ô, ĉ give an exact change of variables: only how well ε is standardized depends on them.
extension PartialCentering {
    /// Replaces õ and c̃ by ô and ĉ (see the type's description).
    func refineMeans(rows: MixedModelRows, sampled: MixedModelRows.Block, projection: any PilotProjection, pilotScale: Double) {
        let levels = levelCount
        let ridge = 1 / (pilotScale * pilotScale)
        let diagonal = (0..<levels).map { information[$0] + ridge }
        guard diagonal.allSatisfy({ $0 > 0 && $0.isFinite }) else { return }
        let gram = ProjectedGram(rows: rows, sampled: sampled, projection: projection, ridge: ridge)
        for column in 0...p {
            let rhs = (0..<levels).map { column == 0 ? response[$0] : design[$0 * p + column - 1] }
            guard let solution = Self.conjugateGradients(gram, rhs: rhs, diagonal: diagonal) else { continue }
            for level in 0..<levels {
                let value = diagonal[level] * solution[level]
                if column == 0 { response[level] = value } else { design[level * p + column - 1] = value }
            }
        }
    }

    /// A v = Z_kᵀ P Z_k v + v/λ̂² for one-column block k.
    struct ProjectedGram {
        let rows: MixedModelRows
        let sampled: MixedModelRows.Block
        let projection: any PilotProjection
        let ridge: Double

        func apply(_ v: [Double]) -> [Double] {
            let n = rows.n
            let zk = sampled.z.baseAddress!, codes = sampled.codes.baseAddress!
            let column = (0..<n).map { zk[$0] * v[Int(codes[$0])] }
            var absorbed = [Double](repeating: 0, count: n)
            projection.absorbed(column, into: &absorbed, count: n)
            var out = v.map { $0 * ridge }
            for row in 0..<n { out[Int(codes[row])] += zk[row] * (column[row] - absorbed[row]) }
            return out
        }
    }

    /// x with A x = rhs by conjugate gradients preconditioned by diag(A) (A symmetric positive
    /// definite), to a relative residual of 10⁻¹²; nil if that is not reached in 500 iterations
    /// (then the per-level statistics stay as they are).
    static func conjugateGradients(_ a: ProjectedGram, rhs: [Double], diagonal: [Double]) -> [Double]? {
        let n = rhs.count
        let norm = rhs.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > 0 else { return [Double](repeating: 0, count: n) }
        var x = (0..<n).map { rhs[$0] / diagonal[$0] }
        let ax = a.apply(x)
        var r = (0..<n).map { rhs[$0] - ax[$0] }
        var z = (0..<n).map { r[$0] / diagonal[$0] }
        var d = z
        var rz = zip(r, z).reduce(0) { $0 + $1.0 * $1.1 }
        for _ in 0..<500 {
            if r.reduce(0, { $0 + $1 * $1 }).squareRoot() <= 1e-12 * norm { return x }
            let ad = a.apply(d)
            let curvature = zip(d, ad).reduce(0) { $0 + $1.0 * $1.1 }
            guard curvature > 0, curvature.isFinite else { return nil }
            let step = rz / curvature
            for i in 0..<n {
                x[i] += step * d[i]
                r[i] -= step * ad[i]
                z[i] = r[i] / diagonal[i]
            }
            let next = zip(r, z).reduce(0) { $0 + $1.0 * $1.1 }
            let beta = next / rz
            rz = next
            for i in 0..<n { d[i] = z[i] + beta * d[i] }
        }
        return r.reduce(0, { $0 + $1 * $1 }).squareRoot() <= 1e-10 * norm ? x : nil
    }
}
