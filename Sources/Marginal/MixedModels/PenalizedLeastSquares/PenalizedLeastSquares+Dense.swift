import Dispatch

extension PenalizedLeastSquares {
    // MARK: Step 3: L_DD = chol(Λ_Dᵀ A_DD Λ_D + I − Σ_c L_D,c L_D,cᵀ)

    /// The dense part, in its own coordinates (row i of L_DD is trailing row `denseOffset + i`).
    mutating func updateTrailing(inverse: UnsafeMutablePointer<Double>?) -> Bool {
        let d = products.denseSize
        let r = products.denseRandomRows
        let s1 = products.first.dimension
        // With scalar dense blocks, each column is loaded (scaled) right before its downdate,
        // while it is in cache; otherwise the whole matrix is loaded first.
        let complete = firstPanelsAreComplete
        let byPanels = d <= Self.panelMajorSize && !complete
        let fused = denseIsDiagonal && r > 0 && !complete && !byPanels
        if !fused { loadScaledTrailing() }
        let products = self.products, parts = downdateColumns
        return trailing.withUnsafeMutableBufferPointer { out in
            let t = out.baseAddress!
            panels.withUnsafeBufferPointer { pp in
                if complete {
                    // Every panel holds all d rows, so the panels side by side are one d × ℓ₁S₁
                    // matrix and the downdate is a single rank-k update.
                    for i in 0..<r { t[i + i * d] += 1 }
                    BLAS.syrkLower(n: d, k: products.first.levels * s1, alpha: -1, a: pp.baseAddress!, lda: d, beta: 1, c: t, ldc: d)
                } else if fused {
                    products.trailing.withUnsafeBufferPointer { ap in
                        rowScale.withUnsafeBufferPointer { sp in
                            Self.downdate(
                                t, parts: parts, panels: pp.baseAddress!, products: products, loading: ap.baseAddress!,
                                scale: sp.baseAddress! + products.denseOffset)
                        }
                    }
                } else {
                    for i in 0..<r { t[i + i * d] += 1 }
                    if byPanels {
                        Self.downdateByPanels(t, panels: pp.baseAddress!, products: products)
                    } else {
                        Self.downdate(t, parts: parts, panels: pp.baseAddress!, products: products, loading: nil, scale: nil)
                    }
                }
            }
            for (k, nested) in products.nested.enumerated() {
                nestedPanels[k].withUnsafeBufferPointer { np in
                    Self.subtractDenseOuterProducts(of: nested, values: np.baseAddress!, from: t, denseOffset: products.denseOffset, ld: d)
                }
            }
            guard let inverse, r > 0 else { return LAPACK.choleskyLower(n: d, a: t, lda: d) }
            return CholeskyInverse.factorAndInvert(n: r, t, lda: d, inverse, ldw: r)
                && CholeskyInverse.factorRemainder(n: d, split: r, t, lda: d, inverse: inverse, ldw: r)
        }
    }

    /// t −= P_D P_Dᵀ (lower triangle) for the dense rows P_D of every panel of a nested block.
    /// Nested blocks have few dense rows per panel (often only X and y), so plain loops serve.
    private static func subtractDenseOuterProducts(
        of nested: LevelPanels, values: UnsafePointer<Double>, from t: UnsafeMutablePointer<Double>, denseOffset: Int, ld d: Int
    ) {
        let s = nested.dimension
        nested.rows.withUnsafeBufferPointer { rp in
            for c in 0..<nested.levels {
                let start = nested.start[c]
                let m = nested.start[c + 1] - start
                let panel = values + start * s
                let rows = rp.baseAddress! + start
                for b in nested.denseStart[c]..<m {
                    let column = t + (Int(rows[b]) - denseOffset) * d - denseOffset
                    for q in 0..<s {
                        let x = panel + q * m
                        scatterSubtract(x[b], times: x, rows: rows, from: b, to: m, into: column)
                    }
                }
            }
        }
    }

    /// At most this many dense rows, the downdate runs panel by panel
    /// (``downdateByPanels(_:panels:products:)``): L_DD then fits in the first-level cache, and a
    /// panel's few rows are served together rather than one column's entry at a time (on the
    /// course-evaluation design with the students sampled, 1,128 lecturer panels of about five rows
    /// against a dense block of 31, it is several times faster).
    static let panelMajorSize = 64

    /// t −= Σ_c L_D1,c L_D1,cᵀ (lower triangle), panel by panel: panel c adds to the entries
    /// (rows[a], rows[b]), a ≥ b, of its dense rows (its rows are ascending; those of nested
    /// blocks come first and are not part of t).
    private static func downdateByPanels(_ t: UnsafeMutablePointer<Double>, panels: UnsafePointer<Double>, products: CrossProducts) {
        let d = products.denseSize
        let offset = products.denseOffset
        let shifted = t - offset * (d + 1)
        let s1 = products.first.dimension
        products.first.rows.withUnsafeBufferPointer { rp in
            products.first.start.withUnsafeBufferPointer { startp in
                for c in 0..<products.first.levels {
                    let start = startp[c]
                    let m = startp[c + 1] - start
                    let rows = rp.baseAddress! + start
                    for s in 0..<s1 {
                        let panel = panels + start * s1 + s * m
                        for b in 0..<m where Int(rows[b]) >= offset {
                            Self.scatterSubtract(panel[b], times: panel, rows: rows, from: b, to: m, into: shifted + Int(rows[b]) * d)
                        }
                    }
                }
            }
        }
    }

    /// The downdate of all columns, split over threads in the column ranges `parts` (of equal
    /// work, see ``downdateThreads``); columns are independent, so the threads never write the same value.
    private static func downdate(
        _ t: UnsafeMutablePointer<Double>, parts: [Range<Int>], panels: UnsafePointer<Double>, products: CrossProducts,
        loading a: UnsafePointer<Double>?, scale: UnsafePointer<Double>?
    ) {
        guard parts.count > 1 else {
            downdate(t, columns: 0..<products.denseSize, panels: panels, products: products, loading: a, scale: scale)
            return
        }
        let shared = SharedPointers(t: t, panels: panels, a: a, scale: scale)
        DispatchQueue.concurrentPerform(iterations: parts.count) { part in
            Self.downdate(shared.t, columns: parts[part], panels: shared.panels, products: products, loading: shared.a, scale: shared.scale)
        }
    }

    /// Below this many dense columns per thread the downdate runs on one thread.
    private static let columnsPerThread = 256

    /// The downdate's pointers, handed to the threads of ``downdate(_:parts:panels:products:loading:scale:)``,
    /// each of which writes its own columns of `t` only.
    private struct SharedPointers: @unchecked Sendable {
        let t: UnsafeMutablePointer<Double>
        let panels: UnsafePointer<Double>
        let a: UnsafePointer<Double>?
        let scale: UnsafePointer<Double>?
    }

    /// Splits the columns of L_DD into at most `threads` ranges of about equal downdate work
    /// (column j writes d − j values and scatters, for every first-block panel c holding its row at
    /// position a₀, S₁·(m_c − a₀) products), with at least ``columnsPerThread`` columns per range.
    static func downdateColumns(_ products: CrossProducts, threads: Int) -> [Range<Int>] {
        let d = products.denseSize
        let parts = max(1, min(threads, d / columnsPerThread))
        guard parts > 1 else { return [0..<d] }
        let index = products.firstIndex
        var cumulative = [Int](repeating: 0, count: d + 1)
        for j in 0..<d {
            var work = d - j
            let row = j + products.denseOffset
            for entry in index.start[row]..<index.start[row + 1] {
                let c = Int(index.panel[entry])
                work += products.first.dimension * (products.first.height(c) - Int(index.position[entry]))
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

    /// t −= Σ_c L_D1,c L_D1,cᵀ (lower triangle) on `columns`, column j at a time: every first-block
    /// panel c that holds row j (at position a₀) contributes L_T1,c[a, s] L_T1,c[a₀, s] to rows a ≥ a₀.
    /// Column j stays in cache while all its panels are served. With `loading`, column j is first
    /// set to column j of the cross-products scaled by `scale` on both sides, plus the identity on
    /// random rows (scalar dense blocks: Λ_D is the diagonal `scale`), reading only the entries of
    /// ``CrossProducts/denseRandomPattern`` on the random rows (InstEval: about 4 of 1,142).
    private static func downdate(
        _ t: UnsafeMutablePointer<Double>, columns: Range<Int>, panels: UnsafePointer<Double>, products: CrossProducts,
        loading a: UnsafePointer<Double>?, scale: UnsafePointer<Double>?
    ) {
        let d = products.denseSize
        let r = products.denseRandomRows
        let offset = products.denseOffset
        let s1 = products.first.dimension
        let index = products.firstIndex
        products.first.rows.withUnsafeBufferPointer { rp in
        products.first.start.withUnsafeBufferPointer { startp in
        index.start.withUnsafeBufferPointer { entryStart in
        index.panel.withUnsafeBufferPointer { entryPanel in
        index.position.withUnsafeBufferPointer { entryPosition in
        products.denseRandomPattern.start.withUnsafeBufferPointer { patternStart in
        products.denseRandomPattern.rows.withUnsafeBufferPointer { patternRows in
            for j in columns {
                let column = t + j * d
                if let a, let scale {
                    let source = a + j * d
                    let sj = scale[j]
                    var fixedFrom = j
                    if j < r {
                        // A random column: zeros but for its pattern's entries, then the X and y rows.
                        (column + j).update(repeating: 0, count: r - j)
                        for entry in patternStart[j]..<patternStart[j + 1] {
                            let i = Int(patternRows[entry])
                            column[i] = source[i] * scale[i] * sj
                        }
                        column[j] += 1
                        fixedFrom = r
                    }
                    for i in fixedFrom..<d { column[i] = source[i] * scale[i] * sj }
                }
                // The panels' rows are trailing rows: shift the column to index them.
                let shifted = column - offset
                for entry in entryStart[j + offset]..<entryStart[j + offset + 1] {
                    let c = Int(entryPanel[entry])
                    let a0 = Int(entryPosition[entry])
                    let start = startp[c]
                    let m = startp[c + 1] - start
                    let rows = rp.baseAddress! + start
                    for s in 0..<s1 {
                        let panel = panels + start * s1 + s * m
                        Self.scatterSubtract(panel[a0], times: panel, rows: rows, from: a0, to: m, into: shifted)
                    }
                }
            }
        }}}}}}}
    }

    /// column[rows[a]] −= x[a]·factor for a in `lower..<upper`. A panel's rows are distinct, so
    /// four updates can be loaded before any is stored.
    @inline(__always)
    static func scatterSubtract(
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

    /// trailing ← Λ_Dᵀ A Λ_D (lower triangle) for the dense cross-products A: Λ_D is block-diagonal
    /// with λₖ repeated for each level of dense block k and the identity on the X and y rows. With
    /// scalar blocks this is an element-wise scaling, fused with the copy.
    private mutating func loadScaledTrailing() {
        let d = products.denseSize
        let offset = products.denseOffset
        let diagonal = denseIsDiagonal
        let identity = products.denseRandomRows == 0
        products.trailing.withUnsafeBufferPointer { ap in
        rowScale.withUnsafeBufferPointer { sp in
        trailing.withUnsafeMutableBufferPointer { tp in
            let a = ap.baseAddress!, t = tp.baseAddress!, scale = sp.baseAddress! + offset
            if identity {
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
            for k in factors.indices.dropFirst(products.sparseBlockCount) where factors[k].dimension > 1 {
                let sk = factors[k].dimension
                let range = products.trailingRange(ofBlock: k)
                lambdas[k].withUnsafeBufferPointer { lp in
                    let lambda = lp.baseAddress!
                    for group in Swift.stride(from: range.lowerBound - offset, to: range.upperBound - offset, by: sk) {
                        // Rows of the group: λₖᵀ from the left, on every column.
                        SmallMatrix.multiplyLowerTransposed(lambda, size: sk, rows: t + group, stride: 1, columns: d, columnStride: d)
                        // Columns of the group: λₖ from the right, on every row.
                        SmallMatrix.multiplyLowerTransposed(lambda, size: sk, rows: t + group * d, stride: d, columns: d, columnStride: 1)
                    }
                }
            }
        }}}
    }
}
