import Dispatch
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
    /// Whether every trailing block is scalar (Sₖ = 1), so that Λ_T is a diagonal scaling.
    private let trailingIsDiagonal: Bool

    /// λₖ per block, S × S column-major.
    private(set) var lambdas: [[Double]]
    private(set) var first: [Double]
    private(set) var panels: [Double]
    private(set) var trailing: [Double]
    /// Whether the last update produced a positive-definite factor.
    private(set) var isPositiveDefinite = false
    /// Per trailing row, the λₖ of its block when Sₖ = 1, else 1 (X and y rows, and rows of
    /// blocks with Sₖ > 1, which are multiplied group by group).
    private var rowScale: [Double]
    /// Scratch for one update (4·S₁² values), so that an update allocates nothing.
    private var scratch: [Double]
    /// How many threads share the sparse downdate of L_TT (step 3); 1 by default, because
    /// samplers already run one chain per core. A fit on its own sets the number of cores.
    var downdateThreads = 1 {
        didSet { downdateColumns = Self.downdateColumns(products, threads: downdateThreads) }
    }
    /// The columns of L_TT each downdate thread serves: ranges of about equal work.
    private var downdateColumns: [Range<Int>]

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
        trailingIsDiagonal = factors.dropFirst().allSatisfy { $0.dimension == 1 }
        lambdas = factors.map { [Double](repeating: 0, count: $0.dimension * $0.dimension) }
        first = products.firstDiagonal
        panels = products.panels
        trailing = products.trailing
        rowScale = Array(repeating: 1, count: products.trailingSize)
        scratch = Array(repeating: 0, count: 4 * products.firstDimension * products.firstDimension)
        downdateColumns = [0..<products.trailingSize]
    }

    /// Recomputes L for θ. Returns false (and leaves `isPositiveDefinite` false) when a block is
    /// not positive definite, which happens only through rounding for valid θ.
    @discardableResult
    mutating func update(theta: [Double]) -> Bool {
        update(theta: theta, trailingInverse: nil)
    }

    /// Recomputes L for θ and, when `trailingInverse` is given (r × r values, r the number of
    /// trailing random rows), also writes W = L_TT,u⁻¹ there (lower triangle), computed with the
    /// factor in one recursive pass (``CholeskyInverse/factorAndInvert(n:_:lda:_:ldw:)``), which
    /// is cheaper than inverting the finished factor.
    mutating func update(theta: [Double], trailingInverse: UnsafeMutablePointer<Double>?) -> Bool {
        precondition(theta.count == thetaCount, "θ has the wrong length")
        theta.withUnsafeBufferPointer { t in
            for (k, factor) in factors.enumerated() {
                lambdas[k].withUnsafeMutableBufferPointer { l in
                    factor.fill(l.baseAddress!, theta: UnsafeBufferPointer(rebasing: t[thetaOffsets[k]...]))
                }
            }
        }
        rowScale.withUnsafeMutableBufferPointer { scale in
            for k in factors.indices.dropFirst() where factors[k].dimension == 1 {
                let value = lambdas[k][0]
                for i in products.trailingRange(ofBlock: k) { scale[i] = value }
            }
        }
        isPositiveDefinite = updateFirstBlock()
        if isPositiveDefinite {
            updatePanels()
            isPositiveDefinite = updateTrailing(inverse: trailingInverse)
        }
        return isPositiveDefinite
    }

    // MARK: Step 1: L₁₁,c = chol(λ₁ᵀ A₁₁,c λ₁ + I)

    private mutating func updateFirstBlock() -> Bool {
        let s = products.firstDimension
        let levels = products.firstLevels
        return lambdas[0].withUnsafeBufferPointer { lp in
            products.firstDiagonal.withUnsafeBufferPointer { ap in
                first.withUnsafeMutableBufferPointer { fp in
                    scratch.withUnsafeMutableBufferPointer { wp in
                        let lambda = lp.baseAddress!, a = ap.baseAddress!, out = fp.baseAddress!
                        if s == 1 {
                            let l2 = lambda[0] * lambda[0]
                            for c in 0..<levels { out[c] = (l2 * a[c] + 1).squareRoot() }
                            return true
                        }
                        if s == 2 {
                            // B = λᵀAλ + I and its factor in closed form (λ = [l₀₀ 0; l₁₀ l₁₁]).
                            let l00 = lambda[0], l10 = lambda[1], l11 = lambda[3]
                            var ok = true
                            for c in 0..<levels {
                                let ac = a + 4 * c
                                let a00 = ac[0], a10 = ac[1], a11 = ac[3]
                                let x0 = a00 * l00 + a10 * l10, x1 = a10 * l00 + a11 * l10
                                let b00 = l00 * x0 + l10 * x1 + 1
                                let b10 = l11 * x1
                                let b11 = l11 * l11 * a11 + 1
                                let f00 = b00.squareRoot()
                                let f10 = b10 / f00
                                let schur = b11 - f10 * f10
                                if !(b00 > 0 && schur > 0) { ok = false }
                                let block = out + 4 * c
                                block[0] = f00
                                block[1] = f10
                                block[2] = 0
                                block[3] = schur.squareRoot()
                            }
                            return ok
                        }
                        var ok = true
                        for c in 0..<levels {
                            let block = out + c * s * s
                            SmallMatrix.congruence(lambda: lambda, a: a + c * s * s, into: block, work: wp.baseAddress!, size: s)
                            for i in 0..<s { block[i + i * s] += 1 }
                            ok = SmallMatrix.choleskyLower(block, size: s) && ok
                        }
                        return ok
                    }
                }
            }
        }
    }

    // MARK: Step 2: L_T1,c = Λ_Tᵀ A_T1,c λ₁ L₁₁,c⁻ᵀ

    /// Panel c is copied from the cross-products times R_c = λ₁ L₁₁,c⁻ᵀ (S₁ × S₁) from the right,
    /// column by column (contiguous), with the scalar trailing blocks' λₖ applied to its rows on
    /// the way; trailing blocks with Sₖ > 1 then multiply their groups of rows by λₖᵀ.
    private mutating func updatePanels() {
        let s1 = products.firstDimension
        let levels = products.firstLevels
        let diagonal = trailingIsDiagonal
        let single = products.fixedOffset == 0
        lambdas[0].withUnsafeBufferPointer { lp in
        first.withUnsafeBufferPointer { fp in
        products.panels.withUnsafeBufferPointer { sp in
        products.panelStart.withUnsafeBufferPointer { startp in
        products.panelRows.withUnsafeBufferPointer { rp in
        rowScale.withUnsafeBufferPointer { scalep in
        scratch.withUnsafeMutableBufferPointer { wp in
        panels.withUnsafeMutableBufferPointer { pp in
            let lambda = lp.baseAddress!, factors = fp.baseAddress!, source = sp.baseAddress!
            let rows = rp.baseAddress!, scale = scalep.baseAddress!, out = pp.baseAddress!
            let r = wp.baseAddress!, inverse = r + s1 * s1
            for c in 0..<levels {
                let start = startp[c]
                let m = startp[c + 1] - start
                let src = source + start * s1
                let panel = out + start * s1
                let rowsOfPanel = rows + start
                if s1 == 1 {
                    let factor = lambda[0] / factors[c]
                    if single {
                        for i in 0..<m { panel[i] = src[i] * factor }
                    } else {
                        for i in 0..<m { panel[i] = src[i] * (scale[Int(rowsOfPanel[i])] * factor) }
                    }
                } else {
                    // R = λ₁ L⁻ᵀ: R[t, j] = Σ_{q ≤ min(t, j)} λ₁[t, q] L⁻¹[j, q].
                    let l = factors + c * s1 * s1
                    if s1 == 2 {
                        // R = λ₁ L⁻ᵀ with L⁻¹ = [i₀₀ 0; i₁₀ i₁₁], both columns in one pass.
                        let i00 = 1 / l[0], i11 = 1 / l[3]
                        let i10 = -l[1] * i00 * i11
                        let r00 = lambda[0] * i00, r10 = lambda[1] * i00
                        let r01 = lambda[0] * i10, r11 = lambda[1] * i10 + lambda[3] * i11
                        for i in 0..<m {
                            let x0 = src[i], x1 = src[i + m]
                            let scaleOfRow = single ? 1 : scale[Int(rowsOfPanel[i])]
                            panel[i] = (x0 * r00 + x1 * r10) * scaleOfRow
                            panel[i + m] = (x0 * r01 + x1 * r11) * scaleOfRow
                        }
                    } else {
                        SmallMatrix.invertLower(l, into: inverse, size: s1)
                        for j in 0..<s1 {
                            for t in 0..<s1 {
                                var sum = 0.0
                                for q in 0...min(t, j) { sum += lambda[t + q * s1] * inverse[j + q * s1] }
                                r[t + j * s1] = sum
                            }
                        }
                    }
                    for j in 0..<s1 where s1 != 2 {
                        let column = panel + j * m
                        let r0 = r[j * s1]
                        for i in 0..<m { column[i] = src[i] * r0 }
                        for t in 1..<s1 {
                            let rt = r[t + j * s1]
                            let srcColumn = src + t * m
                            for i in 0..<m { column[i] += srcColumn[i] * rt }
                        }
                        if !single {
                            for i in 0..<m { column[i] *= scale[Int(rowsOfPanel[i])] }
                        }
                    }
                }
                if diagonal { continue }
                // Row groups of trailing blocks with Sₖ > 1: λₖᵀ from the left.
                var i = 0
                while i < m {
                    let k = Int(products.blockOfTrailingRow[Int(rowsOfPanel[i])])
                    if k < 0 { break }
                    let sk = self.factors[k].dimension
                    if sk > 1 {
                        lambdas[k].withUnsafeBufferPointer { lk in
                            SmallMatrix.multiplyLowerTransposed(lk.baseAddress!, size: sk, rows: panel + i, stride: 1, columns: s1, columnStride: m)
                        }
                    }
                    i += sk
                }
            }
        }}}}}}}}
    }

    // MARK: Step 3: L_TT = chol(Λ_Tᵀ A_TT Λ_T + I − Σ L_T1,c L_T1,cᵀ)

    private mutating func updateTrailing(inverse: UnsafeMutablePointer<Double>?) -> Bool {
        let d = products.trailingSize
        let r = products.fixedOffset
        let s1 = products.firstDimension
        // With scalar trailing blocks, each column is loaded (scaled) right before its downdate,
        // while it is in cache; otherwise the whole matrix is loaded first.
        let fused = trailingIsDiagonal && r > 0
        if !fused { loadScaledTrailing() }
        let products = self.products, parts = downdateColumns
        return trailing.withUnsafeMutableBufferPointer { out in
            let t = out.baseAddress!
            panels.withUnsafeBufferPointer { pp in
                if r == 0 {
                    // One grouping factor: every panel holds all d rows (X and y), so the panels
                    // side by side are one d × ℓ₁S₁ matrix and the downdate is a single rank-k update.
                    BLAS.syrkLower(n: d, k: products.firstLevels * s1, alpha: -1, a: pp.baseAddress!, lda: d, beta: 1, c: t, ldc: d)
                } else if fused {
                    products.trailing.withUnsafeBufferPointer { ap in
                        rowScale.withUnsafeBufferPointer { sp in
                            Self.downdate(t, parts: parts, panels: pp.baseAddress!, products: products, loading: ap.baseAddress!, scale: sp.baseAddress!)
                        }
                    }
                } else {
                    for i in 0..<r { t[i + i * d] += 1 }
                    Self.downdate(t, parts: parts, panels: pp.baseAddress!, products: products, loading: nil, scale: nil)
                }
            }
            guard let inverse, r > 0 else { return LAPACK.choleskyLower(n: d, a: t, lda: d) }
            return CholeskyInverse.factorAndInvert(n: r, t, lda: d, inverse, ldw: r)
                && CholeskyInverse.factorRemainder(n: d, split: r, t, lda: d, inverse: inverse, ldw: r)
        }
    }

    /// The downdate of all columns, split over threads in the column ranges `parts` (of equal
    /// work, see ``downdateThreads``); columns are independent, so the threads never write the same value.
    private static func downdate(
        _ t: UnsafeMutablePointer<Double>, parts: [Range<Int>], panels: UnsafePointer<Double>, products: CrossProducts,
        loading a: UnsafePointer<Double>?, scale: UnsafePointer<Double>?
    ) {
        guard parts.count > 1 else {
            downdate(t, columns: 0..<products.trailingSize, panels: panels, products: products, loading: a, scale: scale)
            return
        }
        let shared = SharedPointers(t: t, panels: panels, a: a, scale: scale)
        DispatchQueue.concurrentPerform(iterations: parts.count) { part in
            Self.downdate(shared.t, columns: parts[part], panels: shared.panels, products: products, loading: shared.a, scale: shared.scale)
        }
    }

    /// Below this many trailing columns per thread the downdate runs on one thread.
    private static let columnsPerThread = 256

    /// The downdate's pointers, handed to the threads of ``downdate(_:parts:panels:products:loading:scale:)``,
    /// each of which writes its own columns of `t` only.
    private struct SharedPointers: @unchecked Sendable {
        let t: UnsafeMutablePointer<Double>
        let panels: UnsafePointer<Double>
        let a: UnsafePointer<Double>?
        let scale: UnsafePointer<Double>?
    }

    /// Splits the columns of L_TT into at most `threads` ranges of about equal downdate work
    /// (column j writes d − j values and scatters, for every panel c holding row j at position
    /// a₀, S₁·(m_c − a₀) products), with at least ``columnsPerThread`` columns per range.
    private static func downdateColumns(_ products: CrossProducts, threads: Int) -> [Range<Int>] {
        let d = products.trailingSize
        let parts = max(1, min(threads, d / columnsPerThread))
        guard parts > 1 else { return [0..<d] }
        var cumulative = [Int](repeating: 0, count: d + 1)
        for j in 0..<d {
            var work = d - j
            for entry in products.rowEntryStart[j]..<products.rowEntryStart[j + 1] {
                let c = Int(products.rowEntryPanel[entry])
                work += products.firstDimension * (products.panelHeight(c) - Int(products.rowEntryPosition[entry]))
            }
            cumulative[j + 1] = cumulative[j] + work
        }
        var bounds = [0]
        var j = 0
        for part in 1..<parts {
            let target = cumulative[d] * part / parts
            while j < d, cumulative[j] < target { j += 1 }
            bounds.append(j)
        }
        bounds.append(d)
        return zip(bounds, bounds.dropFirst()).map { $0..<$1 }
    }

    /// t −= Σ_c L_T1,c L_T1,cᵀ (lower triangle) on `columns`, column j at a time: every panel c
    /// that holds row j (at position a₀) contributes L_T1,c[a, s] L_T1,c[a₀, s] to rows a ≥ a₀.
    /// Column j stays in cache while all its panels are served. With `loading`, column j is first
    /// set to column j of the cross-products scaled by `scale` on both sides, plus the identity on
    /// random rows (scalar trailing blocks: Λ_T is the diagonal `scale`).
    private static func downdate(
        _ t: UnsafeMutablePointer<Double>, columns: Range<Int>, panels: UnsafePointer<Double>, products: CrossProducts,
        loading a: UnsafePointer<Double>?, scale: UnsafePointer<Double>?
    ) {
        let d = products.trailingSize
        let r = products.fixedOffset
        let s1 = products.firstDimension
        products.panelRows.withUnsafeBufferPointer { rp in
        products.panelStart.withUnsafeBufferPointer { startp in
        products.rowEntryStart.withUnsafeBufferPointer { entryStart in
        products.rowEntryPanel.withUnsafeBufferPointer { entryPanel in
        products.rowEntryPosition.withUnsafeBufferPointer { entryPosition in
            for j in columns {
                let column = t + j * d
                if let a, let scale {
                    let source = a + j * d
                    let sj = scale[j]
                    for i in j..<d { column[i] = source[i] * scale[i] * sj }
                    if j < r { column[j] += 1 }
                }
                for entry in entryStart[j]..<entryStart[j + 1] {
                    let c = Int(entryPanel[entry])
                    let a0 = Int(entryPosition[entry])
                    let start = startp[c]
                    let m = startp[c + 1] - start
                    let rows = rp.baseAddress! + start
                    for s in 0..<s1 {
                        let panel = panels + start * s1 + s * m
                        Self.scatterSubtract(panel[a0], times: panel, rows: rows, from: a0, to: m, into: column)
                    }
                }
            }
        }}}}}
    }

    /// column[rows[a]] −= x[a]·factor for a in `lower..<upper`. A panel's rows are distinct, so
    /// four updates can be loaded before any is stored.
    @inline(__always)
    private static func scatterSubtract(
        _ factor: Double, times x: UnsafePointer<Double>, rows: UnsafePointer<Int32>, from lower: Int, to upper: Int,
        into column: UnsafeMutablePointer<Double>
    ) {
        var a = lower
        while a + 4 <= upper {
            let i0 = Int(rows[a]), i1 = Int(rows[a + 1]), i2 = Int(rows[a + 2]), i3 = Int(rows[a + 3])
            let v0 = column[i0] - x[a] * factor
            let v1 = column[i1] - x[a + 1] * factor
            let v2 = column[i2] - x[a + 2] * factor
            let v3 = column[i3] - x[a + 3] * factor
            column[i0] = v0
            column[i1] = v1
            column[i2] = v2
            column[i3] = v3
            a += 4
        }
        while a < upper {
            column[Int(rows[a])] -= x[a] * factor
            a += 1
        }
    }

    /// trailing ← Λ_Tᵀ A Λ_T (lower triangle) for the trailing cross-products A: Λ_T is
    /// block-diagonal with λₖ repeated for each level of trailing block k and the identity on the
    /// X and y rows. With scalar blocks this is an element-wise scaling, fused with the copy.
    private mutating func loadScaledTrailing() {
        let d = products.trailingSize
        let diagonal = trailingIsDiagonal
        let single = products.fixedOffset == 0
        products.trailing.withUnsafeBufferPointer { ap in
        rowScale.withUnsafeBufferPointer { sp in
        trailing.withUnsafeMutableBufferPointer { tp in
            let a = ap.baseAddress!, t = tp.baseAddress!, scale = sp.baseAddress!
            if single {
                for j in 0..<d { (t + j * d + j).update(from: a + j * d + j, count: d - j) }
                return
            }
            if diagonal {
                for j in 0..<d {
                    let sj = scale[j]
                    let column = t + j * d, source = a + j * d
                    for i in j..<d { column[i] = source[i] * scale[i] * sj }
                }
                return
            }
            // Blocks with Sₖ > 1 mix rows and columns: scale the whole matrix (both triangles)
            // by the scalar blocks, then multiply each group of rows and columns by λₖ.
            for j in 0..<d {
                let sj = scale[j]
                let column = t + j * d, source = a + j * d
                for i in 0..<d { column[i] = source[i] * scale[i] * sj }
            }
            for k in factors.indices.dropFirst() where factors[k].dimension > 1 {
                let sk = factors[k].dimension
                let range = products.trailingRange(ofBlock: k)
                lambdas[k].withUnsafeBufferPointer { lp in
                    let lambda = lp.baseAddress!
                    for group in Swift.stride(from: range.lowerBound, to: range.upperBound, by: sk) {
                        // Rows of the group: λₖᵀ from the left, on every column.
                        SmallMatrix.multiplyLowerTransposed(lambda, size: sk, rows: t + group, stride: 1, columns: d, columnStride: d)
                        // Columns of the group: λₖ from the right, on every row.
                        SmallMatrix.multiplyLowerTransposed(lambda, size: sk, rows: t + group * d, stride: d, columns: d, columnStride: 1)
                    }
                }
            }
        }}}
    }

    // MARK: Reading the factor

    /// log det(ΛᵀZᵀZΛ + I) = 2 Σ log diag L over the random-effect blocks, with one logarithm
    /// per 16 diagonal values (``VectorKernels/logProduct(_:count:stride:)``).
    var logDeterminantRandom: Double {
        let s1 = products.firstDimension
        let d = products.trailingSize
        let levels = products.firstLevels
        var sum = first.withUnsafeBufferPointer { fp in
            var total = 0.0
            // Diagonal i of every level's block: `levels` values S₁² apart.
            for i in 0..<s1 {
                total += VectorKernels.logProduct(fp.baseAddress! + i * (s1 + 1), count: levels, stride: s1 * s1)
            }
            return total
        }
        sum += trailing.withUnsafeBufferPointer { tp in
            VectorKernels.logProduct(tp.baseAddress!, count: products.fixedOffset, stride: d + 1)
        }
        return 2 * sum
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
