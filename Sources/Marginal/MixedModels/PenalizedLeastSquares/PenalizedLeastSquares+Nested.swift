extension PenalizedLeastSquares {
    // MARK: Step 2: the nested blocks, level by level

    /// Factors every nested block after the first (``CrossProducts`` keeps a block sparse when the
    /// blocks before it are nested in it). Level l of block k, with rows R(l) after it:
    ///
    ///     B_l = λₖᵀ A_ll λₖ + I − Σ_c L_{l,c} L_{l,c}ᵀ,   P_l = Λ_Rᵀ A_{R,l} λₖ − Σ_c L_{R,c} L_{l,c}ᵀ,
    ///
    /// over the earlier levels c (of the first block and of earlier nested blocks) whose panels hold
    /// l's rows; then L_ll = chol(B_l) and L_{R,l} = P_l L_ll⁻ᵀ. Nesting makes every row of such a
    /// panel after l's also a row of P_l, so the panel's pattern is the factor's.
    mutating func updateNestedBlocks() -> Bool {
        for k in products.nested.indices {
            var diagonal: [Double] = []
            var panel: [Double] = []
            swap(&diagonal, &nestedDiagonal[k])
            swap(&panel, &nestedPanels[k])
            let ok = updateNestedBlock(k, diagonal: &diagonal, panel: &panel)
            swap(&diagonal, &nestedDiagonal[k])
            swap(&panel, &nestedPanels[k])
            guard ok else { return false }
        }
        return true
    }

    private mutating func updateNestedBlock(_ k: Int, diagonal: inout [Double], panel values: inout [Double]) -> Bool {
        let block = products.nested[k]
        let s = block.dimension
        let blockIndex = k + 1
        let firstRow = products.trailingOffsets[k]
        let lambda = lambdas[blockIndex]
        var ok = true
        diagonal.withUnsafeMutableBufferPointer { dp in
        values.withUnsafeMutableBufferPointer { vp in
        positionOfRow.withUnsafeMutableBufferPointer { position in
        scratch.withUnsafeMutableBufferPointer { wp in
        block.diagonal.withUnsafeBufferPointer { ap in
        block.values.withUnsafeBufferPointer { sp in
        block.rows.withUnsafeBufferPointer { rp in
        lambda.withUnsafeBufferPointer { lp in
            let l = lp.baseAddress!, work = wp.baseAddress!
            for level in 0..<block.levels {
                let start = block.start[level]
                let m = block.start[level + 1] - start
                let b = dp.baseAddress! + level * s * s
                let p = vp.baseAddress! + start * s
                let src = sp.baseAddress! + start * s
                let rows = rp.baseAddress! + start
                // Load: B = λᵀAλ + I, P = Λ_Rᵀ A_R λ.
                SmallMatrix.congruence(lambda: l, a: ap.baseAddress! + level * s * s, into: b, work: work, size: s)
                for i in 0..<s { b[i + i * s] += 1 }
                for t in 0..<s {
                    let column = p + t * m
                    for i in 0..<m { column[i] = 0 }
                    for q in t..<s {
                        let lqt = l[q + t * s]
                        let source = src + q * m
                        for i in 0..<m { column[i] += source[i] * lqt }
                    }
                    for i in 0..<m { column[i] *= rowScale[Int(rows[i])] }
                }
                if !trailingIsScalar {
                    Self.multiplyRowGroups(p, rows: rows, height: m, columns: s, lambdas: lambdas, factors: factors, blockOfRow: products.blockOfTrailingRow)
                }
                for i in 0..<m { position[Int(rows[i])] = i }
                // Less the earlier levels' contributions.
                let row = firstRow + level * s
                panels.withUnsafeBufferPointer { pp in
                    Self.subtractContributions(
                        from: products.first, index: products.firstIndex, values: pp.baseAddress!, row: row, size: s,
                        diagonal: b, panel: p, height: m, position: position.baseAddress!)
                }
                for earlier in 0..<k {
                    nestedPanels[earlier].withUnsafeBufferPointer { np in
                        Self.subtractContributions(
                            from: products.nested[earlier], index: products.nestedIndex[earlier], values: np.baseAddress!,
                            row: row, size: s, diagonal: b, panel: p, height: m, position: position.baseAddress!)
                    }
                }
                // Factor: L_ll = chol(B), L_R,l = P L_ll⁻ᵀ (row by row, forward substitution).
                guard SmallMatrix.choleskyLower(b, size: s) else {
                    ok = false
                    return
                }
                for i in 0..<m {
                    for j in 0..<s {
                        var value = p[i + j * m]
                        for q in 0..<j { value -= p[i + q * m] * b[j + q * s] }
                        p[i + j * m] = value / b[j + j * s]
                    }
                }
            }
        }}}}}}}}
        return ok
    }

    /// For every panel c of `panels` holding trailing row `row` (at position a₀, with the level's
    /// `size` rows at a₀..<a₀+size): B −= X Xᵀ and P[pos(r_a)] −= L[a] Xᵀ for its rows a after
    /// them, with X = L[a₀..<a₀+size] (size × S_c).
    private static func subtractContributions(
        from panels: LevelPanels, index: PanelIndex, values: UnsafePointer<Double>, row: Int, size s: Int,
        diagonal b: UnsafeMutablePointer<Double>, panel p: UnsafeMutablePointer<Double>, height m: Int,
        position: UnsafePointer<Int>
    ) {
        let width = panels.dimension
        for entry in index.start[row]..<index.start[row + 1] {
            let c = Int(index.panel[entry])
            let a0 = Int(index.position[entry])
            let start = panels.start[c]
            let mc = panels.start[c + 1] - start
            let x = values + start * width
            for j in 0..<s {
                for i in j..<s {
                    var sum = 0.0
                    for q in 0..<width { sum += x[a0 + i + q * mc] * x[a0 + j + q * mc] }
                    b[i + j * s] -= sum
                }
            }
            for a in (a0 + s)..<mc {
                let target = position[Int(panels.rows[start + a])]
                for j in 0..<s {
                    var sum = 0.0
                    for q in 0..<width { sum += x[a + q * mc] * x[a0 + j + q * mc] }
                    p[target + j * m] -= sum
                }
            }
        }
    }
}
