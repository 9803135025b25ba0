/// The diagonal blocks of M⁻¹ for a factor with nested blocks, by the selected-inversion
/// recursion of Takahashi, Fagan & Chen (1973) over the levels, last to first.
///
/// For a level l with factor L_ll and panel P = L_{R,l} over its rows R after it (M = L Lᵀ):
///
///     Z_{R,l} = −Z_RR P L_ll⁻¹,   Z_ll = L_ll⁻ᵀ (I + Pᵀ Z_RR P) L_ll⁻¹,
///
/// where Z = M⁻¹ is needed only on the factor's pattern: Z_RR's entries among the rows R of one
/// level are the dense part's S⁻¹, or a later nested level's Z_ll or Z_{R,l} (every pair of rows
/// of a panel lies in the pattern, since nesting adds no fill). `limit` is the number of leading
/// trailing rows M covers: the random rows, or those and the X rows (the [u; β] system).
extension PenalizedLeastSquares {
    func selectedInverseBlocks(denseInverse inverse: [Double], limit: Int) -> [[Double]] {
        let offset = products.denseOffset
        let rd = limit - offset
        var nestedDiagonalInverse = products.nested.map { [Double](repeating: 0, count: $0.levels * $0.dimension * $0.dimension) }
        var nestedPanelInverse = products.nested.map { [Double](repeating: 0, count: $0.values.count) }

        /// Z at trailing rows (i, j), both below `limit`, from the blocks already inverted.
        func z(_ i: Int, _ j: Int) -> Double {
            let (high, low) = (max(i, j), min(i, j))
            if low >= offset { return inverse[(high - offset) + (low - offset) * rd] }
            let k = Int(products.blockOfTrailingRow[low]) - 1
            let block = products.nested[k]
            let s = block.dimension
            let level = (low - products.trailingOffsets[k]) / s
            let base = products.trailingOffsets[k] + level * s
            if high < base + s { return nestedDiagonalInverse[k][level * s * s + (high - base) + (low - base) * s] }
            let start = block.start[level]
            let m = block.height(level)
            let rows = block.rows[start..<(start + m)]
            let position = rows.partitioningIndex { Int($0) >= high } - start
            return nestedPanelInverse[k][start * s + position + (low - base) * m]
        }

        /// Y = Z_RR P over the panel's first `mr` rows (those below `limit`), then Z_ll into
        /// `diagonalOut` and, if given, Z_{R,l} into `panelOut` (laid out as the panel).
        func invertLevel(
            _ panels: LevelPanels, level c: Int, factor l: UnsafePointer<Double>, values: UnsafePointer<Double>,
            diagonalOut: UnsafeMutablePointer<Double>, panelOut: UnsafeMutablePointer<Double>?
        ) {
            let s = panels.dimension
            let start = panels.start[c]
            let m = panels.height(c)
            let rows = panels.rows[start..<(start + m)].map { Int($0) }
            let mr = rows.partitioningIndex { $0 >= limit }
            let p = values + start * s
            var y = [Double](repeating: 0, count: mr * s)
            for a in 0..<mr {
                for b in 0..<mr {
                    let zab = z(rows[a], rows[b])
                    if zab == 0 { continue }
                    for t in 0..<s { y[a + t * mr] += zab * p[b + t * m] }
                }
            }
            withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * s * s) { work in
                Self.takahashiStep(
                    y: y, rows: mr, panel: p, ld: m, factor: l, size: s, work: work.baseAddress!,
                    diagonal: diagonalOut, offDiagonal: panelOut, ldOut: m)
            }
        }

        for k in products.nested.indices.reversed() {
            let block = products.nested[k]
            let s = block.dimension
            var diagonalOut = nestedDiagonalInverse[k]
            var panelOut = nestedPanelInverse[k]
            nestedDiagonal[k].withUnsafeBufferPointer { fp in
                nestedPanels[k].withUnsafeBufferPointer { vp in
                    diagonalOut.withUnsafeMutableBufferPointer { dp in
                        panelOut.withUnsafeMutableBufferPointer { pp in
                            for c in 0..<block.levels {
                                invertLevel(
                                    block, level: c, factor: fp.baseAddress! + c * s * s, values: vp.baseAddress!,
                                    diagonalOut: dp.baseAddress! + c * s * s, panelOut: pp.baseAddress! + block.start[c] * s)
                            }
                        }
                    }
                }
            }
            nestedDiagonalInverse[k] = diagonalOut
            nestedPanelInverse[k] = panelOut
        }
        let s1 = products.first.dimension
        var firstBlocks = [Double](repeating: 0, count: products.first.levels * s1 * s1)
        first.withUnsafeBufferPointer { fp in
            panels.withUnsafeBufferPointer { vp in
                firstBlocks.withUnsafeMutableBufferPointer { out in
                    for c in 0..<products.first.levels {
                        invertLevel(
                            products.first, level: c, factor: fp.baseAddress! + c * s1 * s1, values: vp.baseAddress!,
                            diagonalOut: out.baseAddress! + c * s1 * s1, panelOut: nil)
                    }
                }
            }
        }
        return [firstBlocks] + nestedDiagonalInverse + denseBlocks(of: inverse, rows: rd)
    }

    /// Takahashi's step for one level with factor L (S × S) and panel P (its first `mr` rows, leading
    /// dimension `ld`), given Y = Z_RR P (mr × S, leading dimension mr): Z_ll = L⁻ᵀ(I + PᵀY)L⁻¹ into
    /// `diagonal`, and, when given, Z_{R,l} = −Y L⁻¹ into `offDiagonal` (leading dimension `ldOut`).
    /// `work` holds 2S² values. With no rows (a level whose panel is only the X and y rows, below
    /// the limit) the middle is I and Z_ll = (L Lᵀ)⁻¹ (``SmallMatrix/inverseGram(lower:inverse:into:size:)``).
    static func takahashiStep(
        y: [Double], rows mr: Int, panel p: UnsafePointer<Double>, ld m: Int, factor l: UnsafePointer<Double>, size s: Int,
        work: UnsafeMutablePointer<Double>, diagonal: UnsafeMutablePointer<Double>, offDiagonal: UnsafeMutablePointer<Double>?, ldOut: Int
    ) {
        if mr == 0 {
            SmallMatrix.inverseGram(lower: l, inverse: work, into: diagonal, size: s)
            return
        }
        let middle = work + s * s
        for t in 0..<s {
            for u in 0..<s {
                var sum = t == u ? 1.0 : 0.0
                for a in 0..<mr { sum += p[a + t * m] * y[a + u * mr] }
                middle[t + u * s] = sum
            }
        }
        diagonal.update(repeating: 0, count: s * s)
        SmallMatrix.addInverseCongruence(factor: l, middle: middle, work: work, size: s, into: diagonal)
        guard let offDiagonal else { return }
        // Each row x of −Y L⁻¹ solves x L = −y (back substitution over columns).
        for a in 0..<mr {
            for j in stride(from: s - 1, through: 0, by: -1) {
                var value = -y[a + j * mr]
                for q in (j + 1)..<max(s, j + 1) { value -= offDiagonal[a + q * ldOut] * l[q + j * s] }
                offDiagonal[a + j * ldOut] = value / l[j + j * s]
            }
        }
    }
}
