/// The passes over the rows shared by the densities with sampled random effects: forming a
/// residual r = y − Xβ − Σ_k Z_k b_k block by block, and pulling per-row weights a (an adjoint
/// ∂ℓ/∂r, or V⁻¹r) back to Xᵀa and to each block's per-level sums Σ_{n in level j} a_n z_n.
///
/// Blocks with one column (random intercepts, the common case) take a scalar loop.
enum EffectPasses {
    /// out_n ← y_n − x_nᵀβ.
    static func subtractFixed(rows: MixedModelRows, beta: UnsafePointer<Double>, from y: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let p = rows.p
        let x = rows.x.baseAddress!
        if p == 1 {
            let b0 = beta[0]
            for i in 0..<rows.n { out[i] = y[i] - x[i] * b0 }
            return
        }
        for i in 0..<rows.n {
            let row = x + i * p
            var fitted = 0.0
            for j in 0..<p { fitted += row[j] * beta[j] }
            out[i] = y[i] - fitted
        }
    }

    /// r_n ← r_n − z_nᵀ b_{code(n)} for one block's effects b (ℓ × S, level-major).
    static func subtractEffects(block: MixedModelRows.Block, effects b: UnsafePointer<Double>, from r: UnsafeMutablePointer<Double>, count n: Int) {
        let s = block.dimension
        let codes = block.codes.baseAddress!
        let z = block.z.baseAddress!
        if s == 1 {
            for i in 0..<n { r[i] -= z[i] * b[Int(codes[i])] }
            return
        }
        for i in 0..<n {
            let zi = z + i * s
            let bl = b + Int(codes[i]) * s
            var sum = 0.0
            for a in 0..<s { sum += zi[a] * bl[a] }
            r[i] -= sum
        }
    }

    /// out ← Xᵀa (p values).
    static func accumulateFixed(rows: MixedModelRows, weights a: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let p = rows.p
        let x = rows.x.baseAddress!
        out.update(repeating: 0, count: p)
        if p == 1 {
            var sum = 0.0
            for i in 0..<rows.n { sum += x[i] * a[i] }
            out[0] = sum
            return
        }
        for i in 0..<rows.n {
            let row = x + i * p
            let ai = a[i]
            for j in 0..<p { out[j] += ai * row[j] }
        }
    }

    /// out_j ← Σ_{n in level j} a_n z_n for every level j of one block (ℓ × S, level-major).
    static func accumulateEffects(block: MixedModelRows.Block, weights a: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, count n: Int) {
        let s = block.dimension
        let codes = block.codes.baseAddress!
        let z = block.z.baseAddress!
        out.update(repeating: 0, count: block.levelCount * s)
        if s == 1 {
            for i in 0..<n { out[Int(codes[i])] += a[i] * z[i] }
            return
        }
        for i in 0..<n {
            let zi = z + i * s
            let ol = out + Int(codes[i]) * s
            let ai = a[i]
            for c in 0..<s { ol[c] += ai * zi[c] }
        }
    }
}
