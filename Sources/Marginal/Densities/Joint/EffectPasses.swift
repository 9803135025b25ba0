/// The passes over the rows shared by the densities with sampled random effects: forming a
/// residual r = y − Xβ − Σ_k Z_k b_k block by block, and pulling per-row weights a (an adjoint
/// ∂ℓ/∂r, or V⁻¹r) back to Xᵀa and to each block's per-level sums Σ_{n in level j} a_n z_n.
///
/// Sums over rows use four partial sums, so that they are not one long chain of dependent
/// additions; blocks with one column (random intercepts, the common case) take scalar loops.
enum EffectPasses {
    /// r ← y − Xβ − Σ_m Z_m b_m over `blockCount` blocks, `effects(m)` giving block m and its
    /// effects (ℓ × S, level-major); returns Σ r_n². With an intercept-only X the first block's
    /// pass also subtracts β₀, so the rows are read once per block.
    static func residual(
        rows: MixedModelRows, beta: UnsafePointer<Double>, blockCount: Int,
        effects: (Int) -> (block: MixedModelRows.Block, values: UnsafePointer<Double>), into r: UnsafeMutablePointer<Double>
    ) -> Double {
        let n = rows.n
        var source = UnsafePointer(rows.y.baseAddress!)
        var constant = 0.0
        if rows.interceptOnly {
            constant = beta[0]
        } else if rows.p > 0 {
            subtractFixed(rows: rows, beta: beta, into: r)
            source = UnsafePointer(r)
        }
        guard blockCount > 0 else {
            for i in 0..<n { r[i] = source[i] - constant }
            return VectorKernels.dot(r, r, count: n)
        }
        var squares = 0.0
        for m in 0..<blockCount {
            let (block, values) = effects(m)
            squares = subtractEffects(
                block: block, effects: values, source: source, constant: constant, into: r, count: n,
                summingSquares: m == blockCount - 1)
            source = UnsafePointer(r)
            constant = 0
        }
        return squares
    }

    /// out ← y − Xβ (intercept columns without reading them).
    static func subtractFixed(rows: MixedModelRows, beta: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let n = rows.n
        let y = UnsafePointer(rows.y.baseAddress!)
        var constant = 0.0
        var first = true
        for j in 0..<rows.p {
            let bj = beta[j]
            if rows.unitColumns[j] {
                constant += bj
                continue
            }
            let column = UnsafePointer(rows.x.baseAddress! + j * n)
            if first {
                for i in 0..<n { out[i] = y[i] - column[i] * bj }
                first = false
            } else {
                for i in 0..<n { out[i] -= column[i] * bj }
            }
        }
        if first {
            for i in 0..<n { out[i] = y[i] - constant }
        } else if constant != 0 {
            for i in 0..<n { out[i] -= constant }
        }
    }

    /// r_n ← source_n − constant − z_nᵀ b_{code(n)} for one block's effects b (ℓ × S,
    /// level-major); `source` may be r itself. Returns Σ r_n² of the result when
    /// `summingSquares` (else 0), saving a pass when this is the last term of a residual.
    @discardableResult
    static func subtractEffects(
        block: MixedModelRows.Block, effects b: UnsafePointer<Double>, source: UnsafePointer<Double>, constant: Double = 0,
        into r: UnsafeMutablePointer<Double>, count n: Int, summingSquares: Bool = false
    ) -> Double {
        let s = block.dimension
        let codes = block.codes.baseAddress!
        let z = block.z.baseAddress!
        var s0 = 0.0, s1 = 0.0
        if block.unitZ {
            var i = 0
            while i + 2 <= n {
                let r0 = source[i] - constant - b[Int(codes[i])]
                let r1 = source[i + 1] - constant - b[Int(codes[i + 1])]
                r[i] = r0
                r[i + 1] = r1
                s0 += r0 * r0
                s1 += r1 * r1
                i += 2
            }
            if i < n {
                r[i] = source[i] - constant - b[Int(codes[i])]
                s0 += r[i] * r[i]
            }
        } else if s == 1 {
            var i = 0
            while i + 2 <= n {
                let r0 = source[i] - constant - z[i] * b[Int(codes[i])]
                let r1 = source[i + 1] - constant - z[i + 1] * b[Int(codes[i + 1])]
                r[i] = r0
                r[i + 1] = r1
                s0 += r0 * r0
                s1 += r1 * r1
                i += 2
            }
            if i < n {
                r[i] = source[i] - constant - z[i] * b[Int(codes[i])]
                s0 += r[i] * r[i]
            }
        } else {
            for i in 0..<n {
                let zi = z + i * s
                let bl = b + Int(codes[i]) * s
                var sum = constant
                for a in 0..<s { sum += zi[a] * bl[a] }
                let ri = source[i] - sum
                r[i] = ri
                if i & 1 == 0 { s0 += ri * ri } else { s1 += ri * ri }
            }
        }
        return summingSquares ? s0 + s1 : 0
    }

    /// out ← Xᵀa (p values).
    static func accumulateFixed(rows: MixedModelRows, weights a: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        for j in 0..<rows.p {
            out[j] = rows.unitColumns[j] ? VectorKernels.sum(a, count: rows.n) : VectorKernels.dot(rows.x.baseAddress! + j * rows.n, a, count: rows.n)
        }
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
                if block.unitZ {
                    ol[0] += VectorKernels.sum(a + start, count: length)
                } else if s == 1 {
                    ol[0] += VectorKernels.dot(a + start, z + start, count: length)
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
            // Interleave where at least a fifth of neighbouring rows share a level.
            if block.levelCount <= interleavedLevels, 5 * (block.runStarts.count - 1) <= 4 * n {
                withUnsafeTemporaryAllocation(of: Double.self, capacity: 3 * block.levelCount) { partial in
                    accumulateInterleaved(codes: codes, z: block.unitZ ? nil : z, weights: a, count: n, levels: block.levelCount,
                                          into: out, partial: partial.baseAddress!)
                }
            } else if block.unitZ {
                for i in 0..<n { out[Int(codes[i])] += a[i] }
            } else {
                for i in 0..<n { out[Int(codes[i])] += a[i] * z[i] }
            }
            return
        }
        for i in 0..<n {
            let zi = z + i * s
            let ol = out + Int(codes[i]) * s
            let ai = a[i]
            for c in 0..<s { ol[c] += ai * zi[c] }
        }
    }

    /// Levels up to which a one-column block's sums may go into four interleaved copies.
    static let interleavedLevels = 4096

    /// out_j ← Σ_{n in level j} a_n z_n (z nil for 1) with rows n, n+1, n+2, n+3 adding into four
    /// copies of the sums (`out` and three in `partial`, 3ℓ values), then added together: when
    /// neighbouring rows often share a level, adding them into one copy makes each addition wait
    /// for the previous store to the same place, and the copies break that chain (about twice as
    /// fast on InstEval's 28 department × service cells, rows in student order).
    private static func accumulateInterleaved(
        codes: UnsafePointer<Int32>, z: UnsafePointer<Double>?, weights a: UnsafePointer<Double>, count n: Int, levels: Int,
        into out: UnsafeMutablePointer<Double>, partial: UnsafeMutablePointer<Double>
    ) {
        partial.initialize(repeating: 0, count: 3 * levels)
        let o1 = partial, o2 = partial + levels, o3 = partial + 2 * levels
        var i = 0
        if let z {
            while i + 4 <= n {
                out[Int(codes[i])] += a[i] * z[i]
                o1[Int(codes[i + 1])] += a[i + 1] * z[i + 1]
                o2[Int(codes[i + 2])] += a[i + 2] * z[i + 2]
                o3[Int(codes[i + 3])] += a[i + 3] * z[i + 3]
                i += 4
            }
            while i < n {
                out[Int(codes[i])] += a[i] * z[i]
                i += 1
            }
        } else {
            while i + 4 <= n {
                out[Int(codes[i])] += a[i]
                o1[Int(codes[i + 1])] += a[i + 1]
                o2[Int(codes[i + 2])] += a[i + 2]
                o3[Int(codes[i + 3])] += a[i + 3]
                i += 4
            }
            while i < n {
                out[Int(codes[i])] += a[i]
                i += 1
            }
        }
        for level in 0..<levels { out[level] += o1[level] + o2[level] + o3[level] }
    }

    /// Σ e_i² over n values.
    static func sumOfSquares(_ e: UnsafePointer<Double>, count n: Int) -> Double {
        VectorKernels.dot(e, e, count: n)
    }
}
