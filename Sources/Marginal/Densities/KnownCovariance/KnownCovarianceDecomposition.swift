import Foundation

/// The one-time set-up of a linear mixed model whose random-effect covariance is known:
///
///     y = Xβ + Zb + ε,   ε ~ N(0, σ² I_n),   b ~ N(0, Σ_u),   Σ_u = S Sᵀ known,
///
/// with S block diagonal (one S_k × S_k factor T_k per level of grouping factor k). Writing
/// b = S v with v ~ N(0, I_D) and W = Z S (n × D, one nonzero per row and effect column of each
/// factor), the marginal covariance is V = σ² I_n + W Wᵀ. The set-up eigendecomposes
///
///     M = Wᵀ W = Sᵀ Zᵀ Z S = Q Λ Qᵀ        (D × D, LAPACK dsyevd, O(D³) once)
///
/// and projects the data onto the eigenbasis: g₀ = Qᵀ Wᵀ r₀ and G_X = Qᵀ Wᵀ X, with r₀ = y − Xβ₀
/// for a reference β₀ (least squares on X, so that the residual sums below are formed from
/// small numbers). It also keeps r₀ᵀr₀, Xᵀr₀ and XᵀX, and P = S Q, which maps eigen-basis
/// draws to random effects (b = P w). After this nothing needs the n data rows again.
///
/// D > n and a singular ZᵀZ are allowed: M then has zero eigenvalues (rounding may make them
/// slightly negative; they are clamped at 0), which the formulas of ``KnownCovarianceDensity``
/// handle as they are.
struct KnownCovarianceDecomposition: Sendable {
    let observationCount: Int
    let fixedCount: Int
    /// D, the number of random effects.
    let effectCount: Int
    /// λ₁ ≤ … ≤ λ_D, clamped at 0.
    let eigenvalues: [Double]
    /// g₀ = Qᵀ Wᵀ r₀ (D).
    let projectedResidual: [Double]
    /// G_X = Qᵀ Wᵀ X (D × p, column-major).
    let projectedFixed: [Double]
    /// β₀, r₀ᵀr₀, Xᵀr₀ (p) and XᵀX (p × p).
    let referenceBeta: [Double]
    let residualSquares: Double
    let fixedResidual: [Double]
    let fixedGram: [Double]
    /// P = S Q (D × D, column-major): the random effects of eigen-basis coordinates w are P w.
    let effectBasis: [Double]
    /// The smallest eigenvalue before clamping (negative values of rounding size are normal).
    let smallestRawEigenvalue: Double
    /// Seconds spent forming the cross products, in the eigensolver, and projecting.
    let timings: KnownCovarianceDensity.SetupTimings

    init(design: ModelDesign, blocks: [RandomEffectBlock], factors: [[Double]]) throws(KnownCovarianceError) {
        let clock = ContinuousClock()
        let start = clock.now
        let n = design.nobs
        let p = design.fixedEffects.p
        let x = design.fixedEffects.matrix.elements
        let y = design.response
        var offsets: [Int] = []
        var total = 0
        for block in blocks {
            offsets.append(total)
            total += block.effectCount
        }
        let d = total
        observationCount = n
        fixedCount = p
        effectCount = d

        // XᵀX, Xᵀy and β₀ = (XᵀX)⁻¹Xᵀy (β₀ = 0 when XᵀX is numerically singular).
        var gram = [Double](repeating: 0, count: p * p)
        var xty = [Double](repeating: 0, count: p)
        for j in 0..<p {
            for i in 0..<n { xty[j] += x[i + j * n] * y[i] }
            for k in 0...j {
                var sum = 0.0
                for i in 0..<n { sum += x[i + j * n] * x[i + k * n] }
                gram[j + k * p] = sum
                gram[k + j * p] = sum
            }
        }
        let beta0 = Self.solveSymmetric(gram, xty, size: p) ?? [Double](repeating: 0, count: p)
        var r0 = y
        for j in 0..<p where beta0[j] != 0 {
            for i in 0..<n { r0[i] -= x[i + j * n] * beta0[j] }
        }
        referenceBeta = beta0
        residualSquares = r0.reduce(0) { $0 + $1 * $1 }
        fixedResidual = (0..<p).map { j in (0..<n).reduce(0) { $0 + x[$1 + j * n] * r0[$1] } }
        fixedGram = gram

        // One pass over the rows: M = WᵀW (lower triangle), Wᵀr₀ and WᵀX, where row i of W holds
        // T_kᵀ z_i at the columns of its level in every block k.
        var m = [Double](repeating: 0, count: d * d)
        var rhs = [Double](repeating: 0, count: d * (p + 1))  // [Wᵀr₀  WᵀX]
        let width = blocks.reduce(0) { $0 + $1.dimension }
        var columns = [Int](repeating: 0, count: width)
        var values = [Double](repeating: 0, count: width)
        for i in 0..<n {
            var e = 0
            for (k, block) in blocks.enumerated() {
                let s = block.dimension
                let base = offsets[k] + Int(block.codes[i]) * s
                let t = factors[k]
                for a in 0..<s {
                    var value = 0.0
                    for b in 0..<s { value += t[b + a * s] * block.z.elements[b + i * s] }
                    columns[e] = base + a
                    values[e] = value
                    e += 1
                }
            }
            // Columns increase with e (blocks and levels are laid out in order), so a ≥ b is the lower triangle.
            for a in 0..<width {
                let ca = columns[a]
                let va = values[a]
                for b in 0...a { m[ca + columns[b] * d] += va * values[b] }
                rhs[ca] += va * r0[i]
                for j in 0..<p { rhs[ca + (j + 1) * d] += va * x[i + j * n] }
            }
        }
        let formed = clock.now

        var lambda = try KnownCovarianceLinearAlgebra.symmetricEigen(&m, n: d)
        let decomposed = clock.now
        smallestRawEigenvalue = lambda.first ?? 0
        for i in 0..<d where !(lambda[i] > 0) { lambda[i] = 0 }
        eigenvalues = lambda

        // [g₀ G_X] = Qᵀ [Wᵀr₀ WᵀX].
        var projected = [Double](repeating: 0, count: d * (p + 1))
        m.withUnsafeBufferPointer { q in
            rhs.withUnsafeBufferPointer { r in
                projected.withUnsafeMutableBufferPointer { out in
                    KnownCovarianceLinearAlgebra.multiply(
                        transposeA: true, m: d, n: p + 1, k: d, a: q.baseAddress!, lda: d,
                        b: r.baseAddress!, ldb: d, c: out.baseAddress!, ldc: d)
                }
            }
        }
        projectedResidual = Array(projected[0..<d])
        projectedFixed = Array(projected[d...])

        // P = S Q: rows of level c of block k become T_k times those rows of Q.
        m.withUnsafeMutableBufferPointer { q in
            var scratch = [Double](repeating: 0, count: blocks.map(\.dimension).max() ?? 0)
            for (k, block) in blocks.enumerated() {
                let s = block.dimension
                let t = factors[k]
                if s == 1 {
                    let scale = t[0]
                    for column in 0..<d {
                        let start = column * d + offsets[k]
                        for r in start..<(start + block.levelCount) { q[r] *= scale }
                    }
                    continue
                }
                for column in 0..<d {
                    for level in 0..<block.levelCount {
                        let row = column * d + offsets[k] + level * s
                        for a in 0..<s {
                            var sum = 0.0
                            for b in 0..<s { sum += t[a + b * s] * q[row + b] }
                            scratch[a] = sum
                        }
                        for a in 0..<s { q[row + a] = scratch[a] }
                    }
                }
            }
        }
        effectBasis = m
        let projectedTime = clock.now
        timings = KnownCovarianceDensity.SetupTimings(
            crossProducts: Self.seconds(formed - start), eigendecomposition: Self.seconds(decomposed - formed),
            projection: Self.seconds(projectedTime - decomposed))
    }

    static func seconds(_ duration: Duration) -> Double {
        let c = duration.components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }

    /// Solves A x = b for symmetric positive-definite p × p A by Cholesky; nil when A is not
    /// numerically positive definite (a pivot below 1e-10 of its diagonal entry).
    static func solveSymmetric(_ a: [Double], _ b: [Double], size p: Int) -> [Double]? {
        guard p > 0 else { return [] }
        var l = a
        let positive = l.withUnsafeMutableBufferPointer { SmallMatrix.choleskyLower($0.baseAddress!, size: p, pivots: .relative(1e-10)) }
        guard positive else { return nil }
        var z = b
        l.withUnsafeBufferPointer { lp in
            z.withUnsafeMutableBufferPointer { zp in
                SmallMatrix.solveLower(lp.baseAddress!, zp.baseAddress!, size: p)
                SmallMatrix.solveLowerTransposed(lp.baseAddress!, zp.baseAddress!, size: p)
            }
        }
        return z
    }
}
