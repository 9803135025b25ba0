import CLapack

/// One first-block level's part of Z̃ = M⁻¹, M the penalized system the factor holds (over u, or
/// over [u; β] up to a `limit` that takes the X rows in), from Takahashi's step (``SelectedInverse``):
/// Z̃_cc and Z̃_{R,c} over the level's panel rows R below the limit.
struct LevelInverse {
    /// The trailing rows R (sorted), and the panel's full height (R, then the later rows).
    let rows: [Int]
    /// Z̃_cc, S₁ × S₁ column-major.
    let diagonal: [Double]
    /// Z̃_{R,c}, `rows.count` × S₁ column-major.
    let panel: [Double]
}

/// The trace terms of the derivative of log det M, M = Λ̃ᵀAΛ̃ + I with A the weighted cross
/// products: for λₖ,
///
///     ∂ log det M / ∂λₖ = 2 Σ_{j∈k} (A Λ̃ Z̃)_{jj},   Z̃ = M⁻¹,
///
/// the sum over block k's levels j of S × S blocks (Λ̃ = Λ on random rows, the identity on X rows).
/// Z̃ is needed only on the pattern of A: the levels' diagonal blocks, each first-block level's
/// panel rows, and the dense part, which the selected inverse gives (Takahashi, Fagan & Chen
/// 1973). The profiled gradient of a linear model and the Laplace gradient of a generalized one
/// both stand on it; the second also reads each level's Z̃ through `visit`.
extension PenalizedLeastSquares {
    /// The traces Tₖ = Σ_{j∈k} (A Λ̃ Z̃)_{jj} (Sₖ × Sₖ column-major, per block) for the system over
    /// the first `limit` trailing rows, and the dense part of Z̃ (lower triangle, `limit` × `limit`;
    /// element (i, j) at `max(i, j) + min(i, j)·limit`). Calls `visit` with each first-block level
    /// and its ``LevelInverse``. Designs without nested blocks, at a positive-definite factor.
    func logDeterminantTraces(limit: Int, visit: ((_ level: Int, _ inverse: LevelInverse) -> Void)? = nil) -> (traces: [[Double]], denseInverse: [Double]) {
        let r = products.fixedOffset
        let d = products.trailingSize
        let s1 = products.first.dimension
        let levels = products.first.levels
        let lambda1 = lambdas[0]
        let a = products.trailing
        let inverse = denseInverse(rows: limit)
        func z(_ i: Int, _ j: Int) -> Double { inverse[max(i, j) + min(i, j) * limit] }
        // M = Λ̃ Z̃ on the random columns of the dense part.
        var m = [Double](repeating: 0, count: limit * r)
        for col in 0..<r { for row in 0..<limit { m[row + col * limit] = z(row, col) } }
        applyLambda(toRows: Array(0..<min(limit, r)), &m, height: limit, columns: r)

        // Complete crossings: every panel holds every row, so all the Y_c at once are one product
        // Z̃_RR [P₁ … P_ℓ] (the panels side by side, their first `limit` rows).
        var completeY: [Double]? = nil
        if firstPanelsAreComplete, limit > 0 {
            var all = [Double](repeating: 0, count: limit * levels * s1)
            inverse.withUnsafeBufferPointer { ip in
                panels.withUnsafeBufferPointer { pp in
                    all.withUnsafeMutableBufferPointer { yp in
                        cblas_dsymm(CblasColMajor, CblasLeft, CblasLower, blasint(limit), blasint(levels * s1), 1,
                                    ip.baseAddress!, blasint(limit), pp.baseAddress!, blasint(d), 0, yp.baseAddress!, blasint(limit))
                    }
                }
            }
            completeY = all
        }
        var traces = factors.map { [Double](repeating: 0, count: $0.dimension * $0.dimension) }
        var denseTerms = [Double](repeating: 0, count: r * (factors.dropFirst().map(\.dimension).max() ?? 1))
        let panelA = products.first.values
        let diagonalBlocks = products.first.hasDiagonalBlocks
        var y = [Double](), zcc = [Double](repeating: 0, count: s1 * s1), lambdaZ = zcc
        var work = [Double](repeating: 0, count: 2 * s1 * s1)
        for c in 0..<levels {
            let start = products.first.start[c]
            let height = products.first.height(c)
            let allRows = products.first.rows[start..<(start + height)]
            let mr = allRows.partitioningIndex { Int($0) >= limit } - start
            let rows = allRows.prefix(mr).map { Int($0) }
            let base = start * s1
            // Y = Z̃_RR P, Z̃_{R,c} = −Y L⁻¹, Z̃_cc = L⁻ᵀ(I + PᵀY)L⁻¹.
            if let all = completeY {
                y = Array(all[(c * s1 * limit)..<((c + 1) * s1 * limit)])
            } else {
                y = [Double](repeating: 0, count: mr * s1)
                for t in 0..<s1 {
                    for i in 0..<mr {
                        var sum = 0.0
                        for b in 0..<mr { sum += z(rows[i], rows[b]) * panels[base + b + t * height] }
                        y[i + t * mr] = sum
                    }
                }
            }
            var zrc = [Double](repeating: 0, count: mr * s1)
            panels.withUnsafeBufferPointer { pp in
                first.withUnsafeBufferPointer { fp in
                    zcc.withUnsafeMutableBufferPointer { zp in
                        zrc.withUnsafeMutableBufferPointer { rp in
                            work.withUnsafeMutableBufferPointer { wp in
                                Self.takahashiStep(
                                    y: y, rows: mr, panel: pp.baseAddress! + base, ld: height, factor: fp.baseAddress! + c * s1 * s1,
                                    size: s1, work: wp.baseAddress!, diagonal: zp.baseAddress!, offDiagonal: rp.baseAddress, ldOut: mr)
                            }
                        }
                    }
                }
            }
            visit?(c, LevelInverse(rows: rows, diagonal: zcc, panel: zrc))
            // T_c = A_cc λ₁ Z̃_cc + A_{R,c}ᵀ Λ̃ Z̃_{R,c}.
            var lz = zrc
            applyLambda(toRows: rows, &lz, height: mr, columns: s1)
            // λ₁ Z̃_cc once (λ₁ lower triangular), then A_cc times it.
            for b in 0..<s1 {
                for q in 0..<s1 {
                    var sum = 0.0
                    for w in 0...q { sum += lambda1[q + w * s1] * zcc[w + b * s1] }
                    lambdaZ[q + b * s1] = sum
                }
            }
            let diagonalBase = c * s1 * s1
            for i in 0..<s1 {
                for b in 0..<s1 {
                    var t = 0.0
                    if diagonalBlocks {
                        t = products.first.diagonal[diagonalBase + i + i * s1] * lambdaZ[i + b * s1]
                    } else {
                        for q in 0..<s1 { t += products.first.diagonal[diagonalBase + i + q * s1] * lambdaZ[q + b * s1] }
                    }
                    for row in 0..<mr { t += panelA[base + row + i * height] * lz[row + b * mr] }
                    traces[0][i + b * s1] += t
                }
            }
            // Dense levels j in this panel: T_j += A_{j,c} λ₁ Z̃_{c,j}, with Z̃_{c,j} = Z̃_{R,c}[j]ᵀ.
            let randomRows = allRows.partitioningIndex { Int($0) >= r } - start
            var row = 0
            while row < randomRows {
                let k = Int(products.blockOfTrailingRow[Int(allRows[start + row])])
                let sk = factors[k].dimension
                for i in 0..<sk {
                    for b in 0..<sk {
                        var t = 0.0
                        for s in 0..<s1 {
                            var lz1 = 0.0
                            for w in 0...s { lz1 += lambda1[s + w * s1] * zrc[(row + b) + w * mr] }
                            t += panelA[base + (row + i) + s * height] * lz1
                        }
                        denseTerms[Int(allRows[start + row]) + i + b * r] += t
                    }
                }
                row += sk
            }
        }
        // Dense blocks: T_j += Σ_{r'} A[j, r'] M[r', j].
        for k in factors.indices.dropFirst() {
            let sk = factors[k].dimension
            for g in stride(from: products.trailingRange(ofBlock: k).lowerBound, to: products.trailingRange(ofBlock: k).upperBound, by: sk) {
                for i in 0..<sk {
                    for b in 0..<sk {
                        var t = denseTerms[g + i + b * r]
                        for row in 0..<limit { t += a[(g + i) + row * d] * m[row + (g + b) * limit] }
                        traces[k][i + b * sk] += t
                    }
                }
            }
        }
        return (traces, inverse)
    }

    /// Λ̃ on the rows of x (`height` × `columns`, column-major) whose trailing rows are `rows`
    /// (ascending; a level's group of Sₖ rows is consecutive): λₖ per group, identity on X rows.
    func applyLambda(toRows rows: [Int], _ x: inout [Double], height: Int, columns: Int) {
        var i = 0
        while i < min(rows.count, height) {
            let k = Int(products.blockOfTrailingRow[rows[i]])
            guard k >= 0 else { break }
            let s = factors[k].dimension
            let l = lambdas[k]
            for col in 0..<columns {
                // λ x over the group, from the last row up (λ lower triangular).
                for a in stride(from: s - 1, through: 0, by: -1) {
                    var sum = 0.0
                    for t in 0...a { sum += l[a + t * s] * x[(i + t) + col * height] }
                    x[(i + a) + col * height] = sum
                }
            }
            i += s
        }
    }
}
