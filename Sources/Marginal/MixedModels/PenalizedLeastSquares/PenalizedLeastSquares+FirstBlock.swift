extension PenalizedLeastSquares {
    // MARK: Step 1: L₁₁,c = chol(λ₁ᵀ A₁₁,c λ₁ + I)

    mutating func updateFirstBlock() -> Bool {
        let s = products.first.dimension
        let levels = products.first.levels
        return lambdas[0].withUnsafeBufferPointer { lp in
            products.first.diagonal.withUnsafeBufferPointer { ap in
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
                        let diagonalBlocks = products.first.hasDiagonalBlocks
                        for c in 0..<levels {
                            let block = out + c * s * s
                            if diagonalBlocks {
                                SmallMatrix.diagonalCongruence(lambda: lambda, diagonal: a + c * s * s, stride: s + 1, into: block, work: wp.baseAddress!, size: s)
                            } else {
                                SmallMatrix.congruence(lambda: lambda, a: a + c * s * s, into: block, work: wp.baseAddress!, size: s)
                            }
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
    mutating func updatePanels() {
        let s1 = products.first.dimension
        let levels = products.first.levels
        let diagonal = trailingIsScalar
        let single = products.fixedOffset == 0
        lambdas[0].withUnsafeBufferPointer { lp in
        first.withUnsafeBufferPointer { fp in
        products.first.values.withUnsafeBufferPointer { sp in
        products.first.start.withUnsafeBufferPointer { startp in
        products.first.rows.withUnsafeBufferPointer { rp in
        rowScale.withUnsafeBufferPointer { scalep in
        panels.withUnsafeMutableBufferPointer { pp in
            let lambda = lp.baseAddress!, factors = fp.baseAddress!, source = sp.baseAddress!
            let rows = rp.baseAddress!, scale = scalep.baseAddress!, out = pp.baseAddress!
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
                } else if s1 == 2 {
                    // R = λ₁ L⁻ᵀ with L⁻¹ = [i₀₀ 0; i₁₀ i₁₁], both columns in one pass.
                    let l = factors + c * 4
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
                    // Panel · λ₁ (column j from the source's columns t ≥ j, its rows scaled), then
                    // X Lᵀ = that by forward substitution over columns, in place: m·S₁² products,
                    // where forming R = λ₁ L⁻ᵀ first would add S₁³/2 and an inversion per level.
                    let l = factors + c * s1 * s1
                    for j in 0..<s1 {
                        let column = panel + j * m
                        let diagonalLambda = lambda[j + j * s1]
                        for i in 0..<m { column[i] = src[i + j * m] * diagonalLambda }
                        for t in (j + 1)..<s1 {
                            let lt = lambda[t + j * s1], srcColumn = src + t * m
                            for i in 0..<m { column[i] += srcColumn[i] * lt }
                        }
                        if !single {
                            for i in 0..<m { column[i] *= scale[Int(rowsOfPanel[i])] }
                        }
                    }
                    for j in 0..<s1 {
                        let column = panel + j * m
                        for q in 0..<j {
                            let ljq = l[j + q * s1], earlier = panel + q * m
                            for i in 0..<m { column[i] -= earlier[i] * ljq }
                        }
                        let reciprocal = 1 / l[j + j * s1]
                        for i in 0..<m { column[i] *= reciprocal }
                    }
                }
                if !diagonal {
                    Self.multiplyRowGroups(panel, rows: rowsOfPanel, height: m, columns: s1, lambdas: lambdas, factors: self.factors, blockOfRow: products.blockOfTrailingRow)
                }
            }
        }}}}}}}
    }

    /// Row groups of trailing blocks with Sₖ > 1 in a panel (`height` rows, `columns` columns,
    /// column-major): λₖᵀ from the left on each group of Sₖ rows of one level.
    static func multiplyRowGroups(
        _ panel: UnsafeMutablePointer<Double>, rows: UnsafePointer<Int32>, height m: Int, columns: Int,
        lambdas: [[Double]], factors: [CovarianceFactor], blockOfRow: [Int32]
    ) {
        var i = 0
        while i < m {
            let k = Int(blockOfRow[Int(rows[i])])
            if k < 0 { break }
            let sk = factors[k].dimension
            if sk > 1 {
                lambdas[k].withUnsafeBufferPointer { lk in
                    SmallMatrix.multiplyLowerTransposed(lk.baseAddress!, size: sk, rows: panel + i, stride: 1, columns: columns, columnStride: m)
                }
            }
            i += sk
        }
    }
}
