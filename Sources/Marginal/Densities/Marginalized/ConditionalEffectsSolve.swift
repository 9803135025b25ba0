import CLapack

/// The random effects in u-space given β, from the blocked factor at θ (Bates et al. 2015, §3.3):
/// with M = ΛᵀZᵀZΛ + I = L_u L_uᵀ (L_u the random-effect part of the factor), the penalized
/// least-squares solution for a fixed β is
///
///     ũ(β) = M⁻¹ ΛᵀZᵀ(y − Xβ) = L_u⁻ᵀ (l_y,u − L_X,uᵀ β),
///
/// where l_y,u and L_X,u are the y row and the X rows of L in the random-effect columns. Adding
/// s·z to the right-hand side gives ũ(β) + s·L_u⁻ᵀ z, which for z ~ N(0, I) and s = σ is a draw
/// from u | y, β, θ, σ ~ N(ũ(β), σ² M⁻¹): the same back substitution serves the gradient and
/// the recovery of the random effects.
///
/// Layout of u (and z): the first block's ℓ₁·S₁ effects, level-major, then the trailing random
/// rows of the factor in their order (block after block, level-major).
extension PenalizedLeastSquares {
    /// Number of random effects q = ℓ₁S₁ + Σ_{k≥1} ℓₖSₖ.
    var randomEffectCount: Int { products.first.levels * products.first.dimension + products.fixedOffset }

    /// Each block's effects in this layout: the first block's ℓ₁S₁, then each later block's
    /// trailing rows (offset by ℓ₁S₁).
    var blockEffectRanges: [Range<Int>] {
        let firstCount = products.first.levels * products.first.dimension
        return [0..<firstCount] + factors.indices.dropFirst().map { k in
            let range = products.trailingRange(ofBlock: k)
            return (firstCount + range.lowerBound)..<(firstCount + range.upperBound)
        }
    }

    /// Writes L_u⁻ᵀ (l_y,u − L_X,uᵀ β + scale·z) into `u` (``randomEffectCount`` values).
    /// `noise` may be nil (z = 0). Allocates nothing.
    func solveRandomEffects(
        beta: UnsafePointer<Double>, noise: UnsafePointer<Double>?, scale: Double,
        into u: UnsafeMutablePointer<Double>
    ) {
        let d = products.denseSize
        let offset = products.denseOffset
        let p = products.p
        let s1 = products.first.dimension
        let levels = products.first.levels
        let firstCount = levels * s1
        let r = products.fixedOffset
        // The trailing random rows, indexed as the panels index them.
        let w = u + firstCount
        trailing.withUnsafeBufferPointer { tp in
            let t = tp.baseAddress!
            let rd = products.denseRandomRows
            let wd = w + offset
            // Dense random rows: L_DD,uᵀ w = l_y − L_Xᵀ β (+ scale·z), then back substitution.
            for i in 0..<rd {
                let column = t + i * d
                var value = column[d - 1]
                for j in 0..<p { value -= column[rd + j] * beta[j] }
                if let noise { value += scale * noise[firstCount + offset + i] }
                wd[i] = value
            }
            if rd > 32 {
                cblas_dtrsv(CblasColMajor, CblasLower, CblasTrans, CblasNonUnit, blasint(rd), t, blasint(d), wd, 1)
            } else {
                for i in stride(from: rd - 1, through: 0, by: -1) {
                    let column = t + i * d
                    var value = wd[i]
                    for k in (i + 1)..<max(rd, i + 1) { value -= column[k] * wd[k] }
                    wd[i] = value / column[i]
                }
            }
        }
        // Nested blocks, last first: each level's rows after it are already solved.
        for k in products.nested.indices.reversed() {
            let block = products.nested[k]
            let first = products.trailingOffsets[k]
            nestedDiagonal[k].withUnsafeBufferPointer { dp in
                nestedPanels[k].withUnsafeBufferPointer { vp in
                    block.rows.withUnsafeBufferPointer { rp in
                        Self.solveLevels(
                            block, diagonal: dp.baseAddress!, values: vp.baseAddress!, rows: rp.baseAddress!, p: p,
                            beta: beta, solved: w, noise: noise.map { $0 + firstCount + first }, scale: scale,
                            into: w + first)
                    }
                }
            }
        }
        // First block, level by level: L₁₁,cᵀ u_c = l_y,c − L_X,cᵀ β − L_T1,cᵀ w (+ scale·z_c).
        panels.withUnsafeBufferPointer { pp in
        first.withUnsafeBufferPointer { fp in
        products.first.rows.withUnsafeBufferPointer { rp in
        products.first.start.withUnsafeBufferPointer { startp in
            let rows = rp.baseAddress!, f = fp.baseAddress!
            if s1 == 1 && r == 0 {
                // One scalar grouping factor: panel c is the d values at c·d.
                let panel = pp.baseAddress!
                for c in 0..<levels {
                    let column = panel + c * d
                    var value = column[p]
                    for j in 0..<p { value -= column[j] * beta[j] }
                    if let noise { value += scale * noise[c] }
                    u[c] = value / f[c]
                }
                return
            }
            if s1 == 2 && r == 0 {
                let panel = pp.baseAddress!
                for c in 0..<levels {
                    let column0 = panel + c * 2 * d, column1 = column0 + d
                    var v0 = column0[p], v1 = column1[p]
                    for j in 0..<p {
                        v0 -= column0[j] * beta[j]
                        v1 -= column1[j] * beta[j]
                    }
                    if let noise {
                        v0 += scale * noise[2 * c]
                        v1 += scale * noise[2 * c + 1]
                    }
                    let l = f + 4 * c
                    let u1 = v1 / l[3]
                    u[2 * c + 1] = u1
                    u[2 * c] = (v0 - l[1] * u1) / l[0]
                }
                return
            }
            Self.solveLevels(
                products.first, diagonal: f, values: pp.baseAddress!, rows: rows, p: p, beta: beta, solved: w,
                noise: noise, scale: scale, into: u)
        }}}}
    }

    /// Each level c of `panels`: v = l_y,c − L_X,cᵀ β − Σ_a L_{r_a,c} solved[r_a] (+ scale·z_c) over
    /// its random rows a, then L_ccᵀ x_c = v by back substitution into `x` (level-major).
    private static func solveLevels(
        _ panels: LevelPanels, diagonal f: UnsafePointer<Double>, values: UnsafePointer<Double>, rows: UnsafePointer<Int32>,
        p: Int, beta: UnsafePointer<Double>, solved w: UnsafePointer<Double>, noise: UnsafePointer<Double>?, scale: Double,
        into x: UnsafeMutablePointer<Double>
    ) {
        let s1 = panels.dimension
        for c in 0..<panels.levels {
            let start = panels.start[c]
            let m = panels.start[c + 1] - start
            let randomRows = m - p - 1
            let rowsOfPanel = rows + start
            let v = x + c * s1
            for s in 0..<s1 {
                let column = values + start * s1 + s * m
                var value = column[m - 1]
                for j in 0..<p { value -= column[randomRows + j] * beta[j] }
                var sum = 0.0
                for a in 0..<randomRows { sum += column[a] * w[Int(rowsOfPanel[a])] }
                value -= sum
                if let noise { value += scale * noise[c * s1 + s] }
                v[s] = value
            }
            // Back substitution with L_ccᵀ (upper triangular).
            let block = f + c * s1 * s1
            for i in stride(from: s1 - 1, through: 0, by: -1) {
                var value = v[i]
                for k in (i + 1)..<s1 { value -= block[k + i * s1] * v[k] }
                v[i] = value / block[i + i * s1]
            }
        }
    }
}
