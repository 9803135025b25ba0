import Foundation

/// The lower Cholesky factor L(θ) of the blocked matrix
///
///     ⎡ ΛᵀZᵀZΛ + I   ΛᵀZᵀX   ΛᵀZᵀy ⎤
///     ⎢ XᵀZΛ          XᵀX     Xᵀy   ⎥  =  L Lᵀ
///     ⎣ yᵀZΛ          yᵀX     yᵀy   ⎦
///
/// in the two-level layout of ``CrossProducts``: L₁₁ block-diagonal (one S₁ × S₁ factor per level
/// of the first grouping factor), L_T1 sparse (one panel per level) and L_TT dense.
/// Bates et al. (2015, §3.2–3.5) show that this one factor gives the profiled deviance, β̂, the
/// conditional modes and every variance estimate; `update(theta:)` recomputes it in place:
///
/// 1. L₁₁,c = chol(λ₁ᵀ A₁₁,c λ₁ + I) for each level c;
/// 2. L_T1,c = (Λ_Tᵀ A_T1,c λ₁) L₁₁,c⁻ᵀ, a row scaling of panel c by the trailing λₖᵀ;
/// 3. L_TT = chol(Λ_Tᵀ A_TT Λ_T + I − Σ_c L_T1,c L_T1,cᵀ), the identity on random rows only.
///
/// All storage is allocated once; an update allocates nothing.
struct BlockedCholesky: Sendable {
    let products: CrossProducts
    let factors: [CovarianceFactor]
    /// Offset of each block's θ elements in the full θ vector.
    let thetaOffsets: [Int]
    let thetaCount: Int

    /// λₖ per block, S × S column-major.
    private(set) var lambdas: [[Double]]
    private(set) var first: [Double]
    private(set) var panels: [Double]
    private(set) var trailing: [Double]
    /// Whether the last update produced a positive-definite factor.
    private(set) var isPositiveDefinite = false
    /// Scratch for one update (max(S₁², trailingSize) values), so that an update allocates nothing.
    private var scratch: [Double]

    init(products: CrossProducts, factors: [CovarianceFactor]) {
        self.products = products
        self.factors = factors
        var offsets: [Int] = []
        var count = 0
        for factor in factors {
            offsets.append(count)
            count += factor.parameterCount
        }
        thetaOffsets = offsets
        thetaCount = count
        lambdas = factors.map { [Double](repeating: 0, count: $0.dimension * $0.dimension) }
        first = products.firstDiagonal
        panels = products.panels
        trailing = products.trailing
        scratch = Array(repeating: 0, count: max(products.firstDimension * products.firstDimension, products.trailingSize))
    }

    /// Recomputes L for θ. Returns false (and leaves `isPositiveDefinite` false) when a block is
    /// not positive definite, which happens only through rounding for valid θ.
    @discardableResult
    mutating func update(theta: [Double]) -> Bool {
        precondition(theta.count == thetaCount, "θ has the wrong length")
        theta.withUnsafeBufferPointer { t in
            for (k, factor) in factors.enumerated() {
                lambdas[k].withUnsafeMutableBufferPointer { l in
                    factor.fill(l.baseAddress!, theta: UnsafeBufferPointer(rebasing: t[thetaOffsets[k]...]))
                }
            }
        }
        isPositiveDefinite = updateFirstBlock()
        if isPositiveDefinite {
            updatePanels()
            isPositiveDefinite = updateTrailing()
        }
        return isPositiveDefinite
    }

    // MARK: Step 1: L₁₁,c = chol(λ₁ᵀ A₁₁,c λ₁ + I)

    private mutating func updateFirstBlock() -> Bool {
        let s = products.firstDimension
        let a = products.firstDiagonal
        let lambda = lambdas[0]
        var ok = true
        var work: [Double] = []
        swap(&work, &scratch)
        defer { swap(&work, &scratch) }
        first.withUnsafeMutableBufferPointer { out in
            if s == 1 {
                let l2 = lambda[0] * lambda[0]
                for c in 0..<products.firstLevels { out[c] = (l2 * a[c] + 1).squareRoot() }
                return
            }
            for c in 0..<products.firstLevels {
                let block = out.baseAddress! + c * s * s
                a.withUnsafeBufferPointer { ap in
                    SmallMatrix.congruence(lambda: lambda, a: ap.baseAddress! + c * s * s, into: block, work: &work, size: s)
                }
                for i in 0..<s { block[i + i * s] += 1 }
                ok = SmallMatrix.choleskyLower(block, size: s) && ok
            }
        }
        return ok
    }

    // MARK: Step 2: L_T1,c = Λ_Tᵀ A_T1,c λ₁ L₁₁,c⁻ᵀ

    private mutating func updatePanels() {
        let s1 = products.firstDimension
        let source = products.panels
        let rows = products.panelRows
        let blockOf = products.blockOfTrailingRow
        let lambdas = self.lambdas
        let first = self.first
        var row: [Double] = []
        swap(&row, &scratch)
        defer { swap(&row, &scratch) }
        panels.withUnsafeMutableBufferPointer { out in
            source.withUnsafeBufferPointer { src in
                out.baseAddress!.update(from: src.baseAddress!, count: src.count)
            }
            for c in 0..<products.firstLevels {
                let start = products.panelStart[c]
                let m = products.panelHeight(c)
                let panel = out.baseAddress! + start * s1
                // Row scaling by the trailing blocks' λₖᵀ, one group of Sₖ rows at a time.
                var r = 0
                while r < m {
                    let k = Int(blockOf[Int(rows[start + r])])
                    if k < 0 { break }
                    let sk = factors[k].dimension
                    SmallMatrix.multiplyLowerTransposed(lambdas[k], size: sk, rows: panel + r, stride: 1, columns: s1, columnStride: m)
                    r += sk
                }
                // Right side: times λ₁, then solve with L₁₁,cᵀ.
                if s1 == 1 {
                    let scale = lambdas[0][0] / first[c]
                    for i in 0..<m { panel[i] *= scale }
                } else {
                    first.withUnsafeBufferPointer { f in
                        for i in 0..<m {
                            for j in 0..<s1 { row[j] = panel[i + j * m] }
                            SmallMatrix.rowTimesLowerThenSolveTransposed(
                                &row, lambda: lambdas[0], factor: f.baseAddress! + c * s1 * s1, size: s1)
                            for j in 0..<s1 { panel[i + j * m] = row[j] }
                        }
                    }
                }
            }
        }
    }

    // MARK: Step 3: L_TT = chol(Λ_Tᵀ A_TT Λ_T + I − Σ L_T1,c L_T1,cᵀ)

    private mutating func updateTrailing() -> Bool {
        let d = products.trailingSize
        let fixedOffset = products.fixedOffset
        let s1 = products.firstDimension
        let rows = products.panelRows
        let panels = self.panels
        let lambdas = self.lambdas
        let products = self.products
        let factors = self.factors
        var scale: [Double] = []
        swap(&scale, &scratch)
        defer { swap(&scale, &scratch) }
        return trailing.withUnsafeMutableBufferPointer { out in
            let t = out.baseAddress!
            products.trailing.withUnsafeBufferPointer { src in
                Self.loadScaledTrailing(t, from: src.baseAddress!, lambdas: lambdas, factors: factors, products: products, scale: &scale)
            }
            for i in 0..<fixedOffset { t[i + i * d] += 1 }
            if fixedOffset == 0 {
                // One grouping factor: every panel holds all d rows (X and y), so the panels side
                // by side are one d × ℓ₁S₁ matrix and the downdate is a single rank-k update.
                panels.withUnsafeBufferPointer { pp in
                    BLAS.syrkLower(n: d, k: products.firstLevels * s1, alpha: -1, a: pp.baseAddress!, lda: d, beta: 1, c: t, ldc: d)
                }
                return LAPACK.choleskyLower(n: d, a: t, lda: d)
            }
            // − Σ_c L_T1,c L_T1,cᵀ, column j of the lower triangle at a time: every panel c that
            // holds row j (at position a₀) contributes L_T1,c[a, s] L_T1,c[a₀, s] to rows a ≥ a₀.
            panels.withUnsafeBufferPointer { pp in
                rows.withUnsafeBufferPointer { rp in
                    for j in 0..<d {
                        let column = t + j * d
                        for entry in products.rowEntryStart[j]..<products.rowEntryStart[j + 1] {
                            let c = Int(products.rowEntryPanel[entry])
                            let a0 = Int(products.rowEntryPosition[entry])
                            let start = products.panelStart[c]
                            let m = products.panelStart[c + 1] - start
                            let r = rp.baseAddress! + start
                            for s in 0..<s1 {
                                let panel = pp.baseAddress! + start * s1 + s * m
                                let pb = panel[a0]
                                if pb == 0 { continue }
                                for a in a0..<m { column[Int(r[a])] -= panel[a] * pb }
                            }
                        }
                    }
                }
            }
            return LAPACK.choleskyLower(n: d, a: t, lda: d)
        }
    }

    /// t ← Λ_Tᵀ A Λ_T for the trailing matrix A: Λ_T is block-diagonal with λₖ repeated for each
    /// level of trailing block k and the identity on the X and y rows. With scalar blocks this
    /// is an element-wise scaling of the lower triangle, fused with the copy.
    /// `scale` is scratch of at least `trailingSize` values.
    private static func loadScaledTrailing(
        _ t: UnsafeMutablePointer<Double>, from a: UnsafePointer<Double>, lambdas: [[Double]],
        factors: [CovarianceFactor], products: CrossProducts, scale: inout [Double]
    ) {
        let d = products.trailingSize
        let blocks = factors.indices.dropFirst()
        if blocks.allSatisfy({ factors[$0].dimension == 1 }) {
            for i in 0..<d { scale[i] = 1 }
            for k in blocks {
                for i in products.trailingRange(ofBlock: k) { scale[i] = lambdas[k][0] }
            }
            for j in 0..<d {
                let sj = scale[j]
                for i in j..<d { t[i + j * d] = a[i + j * d] * scale[i] * sj }
            }
            return
        }
        t.update(from: a, count: d * d)
        for k in blocks {
            let sk = factors[k].dimension
            for group in Swift.stride(from: products.trailingRange(ofBlock: k).lowerBound,
                                      to: products.trailingRange(ofBlock: k).upperBound, by: sk) {
                // Rows of the group: λₖᵀ from the left, on every column.
                SmallMatrix.multiplyLowerTransposed(lambdas[k], size: sk, rows: t + group, stride: 1, columns: d, columnStride: d)
                // Columns of the group: λₖ from the right, on every row.
                SmallMatrix.multiplyLowerTransposed(lambdas[k], size: sk, rows: t + group * d, stride: d, columns: d, columnStride: 1)
            }
        }
    }

    // MARK: Reading the factor

    /// log det(ΛᵀZᵀZΛ + I) = 2 Σ log diag L over the random-effect blocks.
    var logDeterminantRandom: Double {
        let s1 = products.firstDimension
        var product = LogProductAccumulator()
        for c in 0..<products.firstLevels {
            for i in 0..<s1 { product.multiply(by: first[c * s1 * s1 + i + i * s1]) }
        }
        let d = products.trailingSize
        for i in 0..<products.fixedOffset { product.multiply(by: trailing[i + i * d]) }
        return 2 * product.logarithm
    }

    /// log det(L_X L_Xᵀ), the REML correction.
    var logDeterminantFixed: Double {
        let d = products.trailingSize
        var sum = 0.0
        for i in products.fixedOffset..<(products.fixedOffset + products.p) { sum += Foundation.log(trailing[i + i * d]) }
        return 2 * sum
    }

    /// r², the penalized residual sum of squares at the conditional estimates for this θ.
    var penalizedResidualSumOfSquares: Double {
        let d = products.trailingSize
        let r = trailing[(d - 1) + (d - 1) * d]
        return r * r
    }
}
