/// The two passes over the rows of ``OneClassMarginalizedDensity`` for its commonest shape — a
/// one-column class i (rows sorted by its levels, so each level is a run of consecutive rows)
/// and one sampled one-column block k, e.g. `y ~ 1 + (1 | s) + (1 | d)` — fused so that each
/// reads the rows once:
///
/// 1. ``residualAndClassSums``: r_n = u_n − z_kn b_k(n) (u = y − Xβ), h_j = Σ_{n in j} z_in r_n
///    run by run, and rᵀr;
/// 2. ``pullBack``: a_n = r_n − z_in v_j (σ² times V⁻¹r), Σ_{n in l} z_kn a_n for every level l
///    of block k, and a itself in place of r when X has columns other than intercepts (for Xᵀa).
///
/// Sums in registers use four partial sums, so that the additions do not wait on each other.
/// Other shapes take the block-by-block passes of ``EffectPasses``.
enum OneClassRowPasses {
    /// Whether the fused passes apply to class block `i` and the sampled blocks `sampled`.
    static func apply(rows: MixedModelRows, classIndex i: Int, sampled: [Int]) -> Bool {
        sampled.count == 1 && rows.blocks[i].dimension == 1 && rows.blocks[sampled[0]].dimension == 1
    }

    /// Pass 1: r (into `r`), h (ℓ_i values into `h`), and returns rᵀr. `beta` gives β.
    static func residualAndClassSums(
        rows: MixedModelRows, classIndex i: Int, sampledIndex k: Int, beta: UnsafePointer<Double>,
        effects b: UnsafePointer<Double>, into r: UnsafeMutablePointer<Double>, classSums h: UnsafeMutablePointer<Double>
    ) -> Double {
        let classBlock = rows.blocks[i]
        let sampled = rows.blocks[k]
        var source = UnsafePointer(rows.y.baseAddress!)
        var constant = 0.0
        if rows.interceptOnly {
            constant = beta[0]
        } else if rows.p > 0 {
            EffectPasses.subtractFixed(rows: rows, beta: beta, into: r)
            source = UnsafePointer(r)
        }
        h.update(repeating: 0, count: classBlock.levelCount)
        let codes = UnsafePointer(sampled.codes.baseAddress!)
        let zk = UnsafePointer(sampled.z.baseAddress!)
        let zi = UnsafePointer(classBlock.z.baseAddress!)
        let starts = classBlock.runStarts
        let classCodes = classBlock.codes.baseAddress!
        var squares = 0.0
        for run in 0..<(starts.count - 1) {
            let start = Int(starts[run]), end = Int(starts[run + 1])
            var h0 = 0.0, h1 = 0.0, h2 = 0.0, h3 = 0.0
            var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
            var n = start
            if sampled.unitZ && classBlock.unitZ {
                while n + 4 <= end {
                    let r0 = source[n] - constant - b[Int(codes[n])]
                    let r1 = source[n + 1] - constant - b[Int(codes[n + 1])]
                    let r2 = source[n + 2] - constant - b[Int(codes[n + 2])]
                    let r3 = source[n + 3] - constant - b[Int(codes[n + 3])]
                    r[n] = r0
                    r[n + 1] = r1
                    r[n + 2] = r2
                    r[n + 3] = r3
                    h0 += r0
                    h1 += r1
                    h2 += r2
                    h3 += r3
                    s0 += r0 * r0
                    s1 += r1 * r1
                    s2 += r2 * r2
                    s3 += r3 * r3
                    n += 4
                }
                while n < end {
                    let r0 = source[n] - constant - b[Int(codes[n])]
                    r[n] = r0
                    h0 += r0
                    s0 += r0 * r0
                    n += 1
                }
            } else {
                while n < end {
                    let r0 = source[n] - constant - zk[n] * b[Int(codes[n])]
                    r[n] = r0
                    h0 += zi[n] * r0
                    s0 += r0 * r0
                    n += 1
                }
            }
            h[Int(classCodes[start])] = (h0 + h1) + (h2 + h3)
            squares += (s0 + s1) + (s2 + s3)
        }
        return squares
    }

    /// Pass 2: from r and class i's v (ℓ_i values), the sums Σ_{n in l} z_kn a_n into `adjoint`
    /// (ℓ_k values, not yet scaled by 1/σ²); a replaces r when `keepingWeights`.
    static func pullBack(
        rows: MixedModelRows, classIndex i: Int, sampledIndex k: Int, means v: UnsafePointer<Double>,
        residual r: UnsafeMutablePointer<Double>, keepingWeights: Bool, into adjoint: UnsafeMutablePointer<Double>
    ) {
        let classBlock = rows.blocks[i]
        let sampled = rows.blocks[k]
        adjoint.update(repeating: 0, count: sampled.levelCount)
        let codes = UnsafePointer(sampled.codes.baseAddress!)
        let zk = UnsafePointer(sampled.z.baseAddress!)
        let zi = UnsafePointer(classBlock.z.baseAddress!)
        let starts = classBlock.runStarts
        let classCodes = classBlock.codes.baseAddress!
        for run in 0..<(starts.count - 1) {
            let start = Int(starts[run]), end = Int(starts[run + 1])
            let vj = v[Int(classCodes[start])]
            var n = start
            if sampled.unitZ && classBlock.unitZ && !keepingWeights {
                while n + 4 <= end {
                    let a0 = r[n] - vj
                    let a1 = r[n + 1] - vj
                    let a2 = r[n + 2] - vj
                    let a3 = r[n + 3] - vj
                    adjoint[Int(codes[n])] += a0
                    adjoint[Int(codes[n + 1])] += a1
                    adjoint[Int(codes[n + 2])] += a2
                    adjoint[Int(codes[n + 3])] += a3
                    n += 4
                }
                while n < end {
                    adjoint[Int(codes[n])] += r[n] - vj
                    n += 1
                }
            } else {
                while n < end {
                    let a = r[n] - zi[n] * vj
                    if keepingWeights { r[n] = a }
                    adjoint[Int(codes[n])] += zk[n] * a
                    n += 1
                }
            }
        }
    }
}
