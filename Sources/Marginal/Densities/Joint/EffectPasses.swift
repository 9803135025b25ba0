/// The passes over the rows shared by the densities with sampled random effects: forming a
/// residual r = y − Xβ − Σ_k Z_k b_k block by block, and pulling per-row weights a (an adjoint
/// ∂ℓ/∂r, or V⁻¹r) back to Xᵀa and to each block's per-level sums Σ_{n in level j} a_n z_n.
///
/// Sums over rows use four partial sums, so that they are not one long chain of dependent
/// additions; blocks with one column (random intercepts, the common case) take scalar loops.
enum EffectPasses {
    /// Σ a_i b_i over n values.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, count n: Int) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var i = 0
        while i + 4 <= n {
            s0 += a[i] * b[i]
            s1 += a[i + 1] * b[i + 1]
            s2 += a[i + 2] * b[i + 2]
            s3 += a[i + 3] * b[i + 3]
            i += 4
        }
        while i < n {
            s0 += a[i] * b[i]
            i += 1
        }
        return (s0 + s1) + (s2 + s3)
    }

    /// out ← y − Xβ.
    static func subtractFixed(rows: MixedModelRows, beta: UnsafePointer<Double>, from y: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let n = rows.n
        guard rows.p > 0 else {
            out.update(from: y, count: n)
            return
        }
        let first = UnsafePointer(rows.x.baseAddress!)
        let b0 = beta[0]
        for i in 0..<n { out[i] = y[i] - first[i] * b0 }
        for j in 1..<max(rows.p, 1) {
            let column = UnsafePointer(rows.x.baseAddress! + j * n)
            let bj = beta[j]
            for i in 0..<n { out[i] -= column[i] * bj }
        }
    }

    /// r_n ← r_n − z_nᵀ b_{code(n)} for one block's effects b (ℓ × S, level-major); returns
    /// Σ r_n² of the result when `summingSquares` (else 0), saving a pass when this is the last
    /// term of a residual.
    @discardableResult
    static func subtractEffects(block: MixedModelRows.Block, effects b: UnsafePointer<Double>, from r: UnsafeMutablePointer<Double>, count n: Int, summingSquares: Bool = false) -> Double {
        let s = block.dimension
        let codes = block.codes.baseAddress!
        let z = block.z.baseAddress!
        var s0 = 0.0, s1 = 0.0
        if s == 1 {
            if summingSquares {
                var i = 0
                while i + 2 <= n {
                    let r0 = r[i] - z[i] * b[Int(codes[i])]
                    let r1 = r[i + 1] - z[i + 1] * b[Int(codes[i + 1])]
                    r[i] = r0
                    r[i + 1] = r1
                    s0 += r0 * r0
                    s1 += r1 * r1
                    i += 2
                }
                if i < n {
                    r[i] -= z[i] * b[Int(codes[i])]
                    s0 += r[i] * r[i]
                }
            } else {
                for i in 0..<n { r[i] -= z[i] * b[Int(codes[i])] }
            }
            return s0 + s1
        }
        for i in 0..<n {
            let zi = z + i * s
            let bl = b + Int(codes[i]) * s
            var sum = 0.0
            for a in 0..<s { sum += zi[a] * bl[a] }
            let ri = r[i] - sum
            r[i] = ri
            if i & 1 == 0 { s0 += ri * ri } else { s1 += ri * ri }
        }
        return summingSquares ? s0 + s1 : 0
    }

    /// out ← Xᵀa (p values).
    static func accumulateFixed(rows: MixedModelRows, weights a: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        for j in 0..<rows.p { out[j] = dot(rows.x.baseAddress! + j * rows.n, a, count: rows.n) }
    }

    /// out_j ← Σ_{n in level j} a_n z_n for every level j of one block (ℓ × S, level-major).
    static func accumulateEffects(block: MixedModelRows.Block, weights a: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, count n: Int) {
        let s = block.dimension
        let codes = block.codes.baseAddress!
        let z = block.z.baseAddress!
        out.update(repeating: 0, count: block.levelCount * s)
        if block.usesRuns {
            let starts = block.runStarts
            for run in 0..<(starts.count - 1) {
                let start = Int(starts[run])
                let length = Int(starts[run + 1]) - start
                let ol = out + Int(codes[start]) * s
                if s == 1 {
                    ol[0] += dot(a + start, z + start, count: length)
                } else {
                    for i in start..<(start + length) {
                        let zi = z + i * s
                        let ai = a[i]
                        for c in 0..<s { ol[c] += ai * zi[c] }
                    }
                }
            }
            return
        }
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

    /// Σ e_i² over n values.
    static func sumOfSquares(_ e: UnsafePointer<Double>, count n: Int) -> Double {
        dot(e, e, count: n)
    }
}
