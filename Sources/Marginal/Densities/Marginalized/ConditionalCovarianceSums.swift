import CLapack

/// The sums Σⱼ (M⁻¹)ⱼⱼ over the levels j of each random-effect block of the S × S diagonal blocks
/// of M⁻¹ = (ΛᵀZᵀZΛ + I)⁻¹: what the gradient of log det M needs (see ``MarginalLikelihood``).
///
/// Only these sums are formed, never the diagonal blocks one by one, from the blocked factor
/// L_u = [L₁₁ 0; L_T1 L_TT] of M:
///
/// - with S_T = L_TT L_TTᵀ (the first block's Schur complement in M, restricted to the random
///   rows of the trailing part), the trailing part of M⁻¹ is S_T⁻¹, formed by LAPACK `dpotri`
///   from L_TT; each trailing block's sum adds up its diagonal blocks of S_T⁻¹;
/// - the first block's diagonal blocks are (M⁻¹)_cc = L₁₁,c⁻ᵀ (I + P_cᵀ S_T⁻¹ P_c) L₁₁,c⁻¹ with
///   P_c the (sparse) panel of L_T1 for level c, so each level costs one small quadratic form
///   over the m_c trailing rows its panel touches, O(m_c² S₁).
///
/// For crossed designs the dense inverse dominates: about twice the flops of the factorization
/// of L_TT. `ConditionalEstimates.conditionalCovarianceBlocks()` forms every block instead, with a
/// product of the whole inverse factor and every panel.
extension BlockedCholesky {
    /// The largest number of trailing random rows in one panel of the first block.
    var largestPanelRandomRows: Int {
        var largest = 0
        for c in 0..<products.firstLevels { largest = max(largest, products.panelHeight(c) - products.p - 1) }
        return largest
    }

    /// Writes Σⱼ (M⁻¹)ⱼⱼ of every block k into `sums[k]` (Sₖ × Sₖ, column-major, both triangles).
    /// `inverse` holds r² values (r = number of trailing random rows) and receives the lower
    /// triangle of S_T⁻¹; `scratch` holds at least `largestPanelRandomRows`·S₁ + 2·S₁² values.
    /// Returns false when the inversion fails (a singular factor, only through rounding).
    func conditionalCovarianceSums(
        into sums: inout [[Double]], inverse: inout [Double], scratch: inout [Double]
    ) -> Bool {
        let r = products.fixedOffset
        let d = products.trailingSize
        if r > 0 {
            let ok = inverse.withUnsafeMutableBufferPointer { ip in
                trailing.withUnsafeBufferPointer { tp in
                    let inv = ip.baseAddress!
                    let t = tp.baseAddress!
                    for j in 0..<r {
                        (inv + j * r + j).update(from: t + j * d + j, count: r - j)
                    }
                    return LAPACKE_dpotri_work(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "L")), Int32(r), inv, Int32(r)) == 0
                }
            }
            guard ok else { return false }
        }
        inverse.withUnsafeBufferPointer { ip in
            let inv = ip.baseAddress!
            for k in 1..<factors.count {
                let s = factors[k].dimension
                let range = products.trailingRange(ofBlock: k)
                sums[k].withUnsafeMutableBufferPointer { out in
                    out.update(repeating: 0)
                    for g in stride(from: range.lowerBound, to: range.upperBound, by: s) {
                        for b in 0..<s {
                            let column = inv + (g + b) * r + g
                            for a in b..<s { out[a + b * s] += column[a] }
                        }
                    }
                    for b in 0..<s { for a in (b + 1)..<max(s, b + 1) { out[b + a * s] = out[a + b * s] } }
                }
            }
            sums[0].withUnsafeMutableBufferPointer { out in
                scratch.withUnsafeMutableBufferPointer { sp in
                    firstBlockSums(inverse: inv, r: r, into: out.baseAddress!, scratch: sp.baseAddress!)
                }
            }
        }
        return true
    }

    /// Σ_c L₁₁,c⁻ᵀ (I + P_cᵀ S_T⁻¹ P_c) L₁₁,c⁻¹ into `out` (S₁ × S₁).
    private func firstBlockSums(
        inverse inv: UnsafePointer<Double>, r: Int, into out: UnsafeMutablePointer<Double>,
        scratch: UnsafeMutablePointer<Double>
    ) {
        let s1 = products.firstDimension
        let p = products.p
        out.update(repeating: 0, count: s1 * s1)
        panels.withUnsafeBufferPointer { pp in
            first.withUnsafeBufferPointer { fp in
                products.panelRows.withUnsafeBufferPointer { rp in
                    if s1 == 1 {
                        var total = 0.0
                        for c in 0..<products.firstLevels {
                            let start = products.panelStart[c]
                            let m = products.panelStart[c + 1] - start
                            let panel = pp.baseAddress! + start
                            let rows = rp.baseAddress! + start
                            // h = Pᵀ S⁻¹ P over the panel's random rows (ascending, so S⁻¹[r_b, r_a]
                            // with b ≥ a is in the stored lower triangle).
                            var h = 0.0
                            for a in 0..<(m - p - 1) {
                                let ra = Int(rows[a])
                                let column = inv + ra * r
                                var offDiagonal = 0.0
                                for b in (a + 1)..<max(m - p - 1, a + 1) { offDiagonal += column[Int(rows[b])] * panel[b] }
                                h += panel[a] * (column[ra] * panel[a] + 2 * offDiagonal)
                            }
                            let l = fp[c]
                            total += (1 + h) / (l * l)
                        }
                        out[0] = total
                        return
                    }
                    let y = scratch
                    let small = scratch + largestPanelRandomRows * s1
                    let solved = small + s1 * s1
                    for c in 0..<products.firstLevels {
                        let start = products.panelStart[c]
                        let m = products.panelStart[c + 1] - start
                        let mr = m - p - 1
                        let panel = pp.baseAddress! + start * s1
                        let rows = rp.baseAddress! + start
                        // Y = S⁻¹ P (mr × S₁), from the lower triangle by symmetry.
                        y.update(repeating: 0, count: mr * s1)
                        for a in 0..<mr {
                            let ra = Int(rows[a])
                            let column = inv + ra * r
                            for t in 0..<s1 {
                                let pt = panel + t * m
                                let yt = y + t * mr
                                yt[a] += column[ra] * pt[a]
                                for b in (a + 1)..<max(mr, a + 1) {
                                    let value = column[Int(rows[b])]
                                    yt[b] += value * pt[a]
                                    yt[a] += value * pt[b]
                                }
                            }
                        }
                        // small = I + Pᵀ Y
                        for t in 0..<s1 {
                            for s in 0..<s1 {
                                var sum = s == t ? 1.0 : 0.0
                                let ps = panel + s * m
                                let yt = y + t * mr
                                for a in 0..<mr { sum += ps[a] * yt[a] }
                                small[s + t * s1] = sum
                            }
                        }
                        Self.addInverseCongruence(
                            factor: fp.baseAddress! + c * s1 * s1, middle: small, work: solved, size: s1, into: out)
                    }
                }
            }
        }
    }

    /// out += L⁻ᵀ A L⁻¹ for lower-triangular L and symmetric A (S × S); `a` is destroyed.
    static func addInverseCongruence(
        factor l: UnsafePointer<Double>, middle a: UnsafeMutablePointer<Double>,
        work x: UnsafeMutablePointer<Double>, size s: Int, into out: UnsafeMutablePointer<Double>
    ) {
        // X = A L⁻¹: solve X L = A row by row (back substitution over columns).
        for i in 0..<s {
            for j in stride(from: s - 1, through: 0, by: -1) {
                var value = a[i + j * s]
                for k in (j + 1)..<max(s, j + 1) { value -= x[i + k * s] * l[k + j * s] }
                x[i + j * s] = value / l[j + j * s]
            }
        }
        // L⁻ᵀ X: solve Lᵀ Y = X column by column (back substitution), added to out.
        for j in 0..<s {
            for i in stride(from: s - 1, through: 0, by: -1) {
                var value = x[i + j * s]
                for k in (i + 1)..<max(s, i + 1) { value -= l[k + i * s] * a[k + j * s] }
                a[i + j * s] = value / l[i + i * s]
            }
            for i in 0..<s { out[i + j * s] += a[i + j * s] }
        }
    }
}
