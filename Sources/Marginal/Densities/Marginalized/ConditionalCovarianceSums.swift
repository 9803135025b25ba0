import CLapack

/// The sums Σⱼ (M⁻¹)ⱼⱼ over the levels j of each random-effect block of the S × S diagonal blocks
/// of M⁻¹ = (ΛᵀZᵀZΛ + I)⁻¹: what the gradient of log det M needs (see the `likelihoodAndAdjoints` extension in MarginalLikelihood.swift).
///
/// Only these sums are formed, never the diagonal blocks one by one, from the blocked factor
/// L_u = [L₁₁ 0; L_T1 L_TT] of M:
///
/// - with S_T = L_TT L_TTᵀ (the first block's Schur complement in M, restricted to the random
///   rows of the trailing part), the trailing part of M⁻¹ is S_T⁻¹, formed from L_TT by
///   ``CholeskyInverse``; each trailing block's sum adds up its diagonal blocks of S_T⁻¹;
/// - the first block's diagonal blocks are (M⁻¹)_cc = L₁₁,c⁻ᵀ (I + P_cᵀ S_T⁻¹ P_c) L₁₁,c⁻¹ with
///   P_c the (sparse) panel of L_T1 for level c, so each level costs one small quadratic form
///   over the m_c trailing rows its panel touches, O(m_c² S₁²).
///
/// For crossed designs the dense inverse dominates: about twice the flops of the factorization
/// of L_TT. `ConditionalEstimates.conditionalCovarianceBlocks()` keeps every block instead, from
/// the same quadratic forms (FirstBlockQuadraticForms.swift).
extension PenalizedLeastSquares {
    /// Scratch values ``conditionalCovarianceSums(into:inverse:scratch:)`` needs.
    var covarianceSumsScratchCount: Int {
        let s1 = products.first.dimension
        return (products.first.levels + 3) * s1 * s1
    }

    /// Writes Σⱼ (M⁻¹)ⱼⱼ of every block k into `sums[k]` (Sₖ × Sₖ, column-major, both triangles).
    /// `inverse` holds r² values (r = number of trailing random rows) and receives the lower
    /// triangle of S_T⁻¹; if `holdsFactorInverse`, it already holds L_TT,u⁻¹ from
    /// ``update(theta:trailingInverse:)``, else that is computed here from the factor.
    /// `scratch` holds at least ``covarianceSumsScratchCount`` values.
    /// Returns false when the inversion fails (a singular factor, only through rounding).
    func conditionalCovarianceSums(
        into sums: inout [[Double]], inverse: inout [Double], scratch: inout [Double], holdsFactorInverse: Bool = false
    ) -> Bool {
        let r = products.denseRandomRows
        let d = products.denseSize
        if r > 0 {
            let ok = inverse.withUnsafeMutableBufferPointer { ip in
                trailing.withUnsafeBufferPointer { tp in
                    let inv = ip.baseAddress!
                    let t = tp.baseAddress!
                    if holdsFactorInverse { return CholeskyInverse.gramOfInverse(n: r, inv, lda: r) }
                    for j in 0..<r {
                        (inv + j * r + j).update(from: t + j * d + j, count: r - j)
                    }
                    return CholeskyInverse.invertGram(n: r, inv, lda: r)
                }
            }
            guard ok else { return false }
        }
        if !products.nested.isEmpty {
            // Nested blocks: every level's block from the selected inverse, then summed.
            let blocks = selectedInverseBlocks(denseInverse: inverse, limit: products.fixedOffset)
            for k in blocks.indices {
                let ss = factors[k].dimension * factors[k].dimension
                sums[k].withUnsafeMutableBufferPointer { out in
                    out.update(repeating: 0)
                    for (index, value) in blocks[k].enumerated() { out[index % ss] += value }
                }
            }
            return true
        }
        inverse.withUnsafeBufferPointer { ip in
            let inv = ip.baseAddress!
            for k in factors.indices.dropFirst() {
                let s = factors[k].dimension
                let range = products.trailingRange(ofBlock: k)
                sums[k].withUnsafeMutableBufferPointer { out in
                    out.update(repeating: 0)
                    if s == 1 {
                        var total = 0.0
                        for g in range { total += inv[g * (r + 1)] }
                        out[0] = total
                        return
                    }
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

    /// Σ_c L₁₁,c⁻ᵀ (I + H_c) L₁₁,c⁻¹ into `out` (S₁ × S₁), with H_c = P_cᵀ S_T⁻¹ P_c from
    /// ``firstBlockQuadraticForms(inverse:rows:into:work:)``.
    /// `scratch` holds ℓ₁·S₁² values for the H_c, then 3·S₁² for the small solves.
    private func firstBlockSums(
        inverse inv: UnsafePointer<Double>, r: Int, into out: UnsafeMutablePointer<Double>,
        scratch: UnsafeMutablePointer<Double>
    ) {
        let s1 = products.first.dimension
        let s1s1 = s1 * s1
        let levels = products.first.levels
        let h = scratch
        out.update(repeating: 0, count: s1s1)
        if r == 0 {
            // No trailing random rows: (M⁻¹)_cc = L₁₁,c⁻ᵀ L₁₁,c⁻¹.
            Self.addInverseGrams(first, levels: levels, size: s1, into: out, work: scratch)
            return
        }
        let small = h + levels * s1s1 + s1s1
        let solved = small + s1s1
        firstBlockQuadraticForms(inverse: inv, rows: r, into: h, work: h + levels * s1s1)
        first.withUnsafeBufferPointer { fp in
            if s1 == 1 {
                var total = 0.0
                for c in 0..<levels {
                    let l = fp[c]
                    total += (1 + h[c]) / (l * l)
                }
                out[0] = total
                return
            }
            if s1 == 2 {
                // L⁻ᵀ (I + H) L⁻¹ in closed form, L⁻¹ = [i₀₀ 0; i₁₀ i₁₁].
                var o00 = 0.0, o10 = 0.0, o11 = 0.0
                for c in 0..<levels {
                    let l = fp.baseAddress! + 4 * c, hc = h + 4 * c
                    let i00 = 1 / l[0], i11 = 1 / l[3]
                    let i10 = -l[1] * i00 * i11
                    let g00 = 1 + hc[0], g10 = hc[1], g11 = 1 + hc[3]
                    let x00 = g00 * i00 + g10 * i10, x10 = g10 * i00 + g11 * i10
                    let x11 = g11 * i11
                    o00 += i00 * x00 + i10 * x10
                    o10 += i11 * x10
                    o11 += i11 * x11
                }
                out[0] = o00
                out[1] = o10
                out[2] = o10
                out[3] = o11
                return
            }
            for c in 0..<levels {
                for index in 0..<s1s1 { small[index] = h[c * s1s1 + index] }
                for s in 0..<s1 { small[s + s * s1] += 1 }
                SmallMatrix.addInverseCongruence(factor: fp.baseAddress! + c * s1s1, middle: small, work: solved, size: s1, into: out)
            }
        }
    }

    /// out = Σ_c L_c⁻ᵀ L_c⁻¹ over `levels` lower-triangular S × S factors stored one after
    /// another; `work` holds 2·S² values.
    static func addInverseGrams(
        _ factors: [Double], levels: Int, size s: Int, into out: UnsafeMutablePointer<Double>,
        work: UnsafeMutablePointer<Double>
    ) {
        factors.withUnsafeBufferPointer { fp in
            let f = fp.baseAddress!
            switch s {
            case 1:
                var total = 0.0
                for c in 0..<levels { total += 1 / (f[c] * f[c]) }
                out[0] = total
            case 2:
                var o00 = 0.0, o10 = 0.0, o11 = 0.0
                for c in 0..<levels {
                    let l = f + 4 * c
                    let i00 = 1 / l[0], i11 = 1 / l[3]
                    let i10 = -l[1] * i00 * i11
                    o00 += i00 * i00 + i10 * i10
                    o10 += i10 * i11
                    o11 += i11 * i11
                }
                out[0] = o00
                out[1] = o10
                out[2] = o10
                out[3] = o11
            default:
                let inverse = work, gram = work + s * s
                for c in 0..<levels {
                    SmallMatrix.inverseGram(lower: f + c * s * s, inverse: inverse, into: gram, size: s)
                    for index in 0..<(s * s) { out[index] += gram[index] }
                }
            }
        }
    }
}
