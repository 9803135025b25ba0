import Foundation

/// One pass over the rows of ``OneClassMarginalizedDensity`` for its commonest shape — a
/// one-column class i and one sampled one-column block k, e.g. `y ~ 1 + (1 | s) + (1 | d)` —
/// that does all of an evaluation's row work.
///
/// The rows are sorted by class i, so level j of class i is a run of consecutive rows, and
/// everything level j needs comes from its own run: its residuals r_n = u_n − z_kn b_k(n)
/// (u = y − Xβ), h_j = Σ z_in r_n, then m_j = σ² + t²g_j, w_j = t h_j/m_j and v_j = t w_j, and
/// then a_n = r_n − z_in v_j (σ² times V⁻¹r), whose sums Σ_{n in l} z_kn a_n over block k's
/// levels and Xᵀa are the gradient's row parts. A run is at most a few hundred rows, kept in a
/// small buffer (in L1 cache), so y, X and block k's codes are read once per evaluation and r is
/// never stored in full; the per-level terms of the value and ∂/∂σ, ∂/∂t are summed on the way.
///
/// Sums over a run use four partial sums, so that the additions do not wait on each other.
/// Other shapes take the block-by-block passes of ``EffectPasses``.
enum OneClassRowPasses {
    /// Whether the pass applies to class block `i` and the sampled blocks `sampled`.
    static func apply(rows: MixedModelRows, classIndex i: Int, sampled: [Int]) -> Bool {
        sampled.count == 1 && rows.blocks[i].dimension == 1 && rows.blocks[sampled[0]].dimension == 1
    }

    /// The longest run of class i: the size of the buffer ``evaluate`` needs.
    static func longestRun(rows: MixedModelRows, classIndex i: Int) -> Int {
        let starts = rows.blocks[i].runStarts
        var longest = 0
        for run in 0..<(starts.count - 1) { longest = max(longest, Int(starts[run + 1]) - Int(starts[run])) }
        return longest
    }

    /// Where ``evaluate`` writes: h_j and v_j (ℓ_i each), with `adjoints` the unscaled sums
    /// Σ_{n in l} z_kn a_n (ℓ_k) and Xᵀa (p), without them √m_j (ℓ_i, for recovery);
    /// `buffer` holds the longest run.
    struct Outputs {
        let classSums: UnsafeMutablePointer<Double>
        let means: UnsafeMutablePointer<Double>
        let factors: UnsafeMutablePointer<Double>
        let sampledSums: UnsafeMutablePointer<Double>
        let fixedSums: UnsafeMutablePointer<Double>
        let buffer: UnsafeMutablePointer<Double>
    }

    /// The row and level sums of the value and ∂/∂σ, and ∂ℓ/∂t; nil if some m_j is not positive
    /// and finite.
    struct Sums {
        var residualSquares = 0.0
        var quadratic = 0.0
        var logDeterminant = 0.0
        var traceInverse = 0.0
        var solutionSquares = 0.0
        var factorAdjoint = 0.0
    }

    static func evaluate(
        rows: MixedModelRows, classIndex i: Int, sampledIndex k: Int, gram: UnsafePointer<Double>,
        beta: UnsafePointer<Double>, effects b: UnsafePointer<Double>, classFactor t: Double, sigma: Double,
        adjoints: Bool, into out: Outputs
    ) -> Sums? {
        let classBlock = rows.blocks[i]
        let sampled = rows.blocks[k]
        let n = rows.n
        let p = rows.p
        let levels = classBlock.levelCount
        // Levels without rows keep h = v = 0 and m = σ².
        out.classSums.update(repeating: 0, count: levels)
        out.means.update(repeating: 0, count: levels)
        if adjoints {
            out.sampledSums.update(repeating: 0, count: sampled.levelCount)
            out.fixedSums.update(repeating: 0, count: p)
        } else {
            out.factors.update(repeating: sigma, count: levels)
        }
        let y = UnsafePointer(rows.y.baseAddress!)
        let x = UnsafePointer(rows.x.baseAddress!)
        let codes = UnsafePointer(sampled.codes.baseAddress!)
        let zk = UnsafePointer(sampled.z.baseAddress!)
        let zi = UnsafePointer(classBlock.z.baseAddress!)
        let unit = sampled.unitZ && classBlock.unitZ
        let starts = classBlock.runStarts
        let classCodes = classBlock.codes.baseAddress!
        let r = out.buffer
        var constant = 0.0
        var columns: [Int] = []
        for j in 0..<p {
            if rows.unitColumns[j] { constant += beta[j] } else { columns.append(j) }
        }
        var levelTerms = ScalarClassLevels(classFactor: t, sigma: sigma, adjoints: adjoints)
        var squares0 = 0.0, squares1 = 0.0
        for run in 0..<(starts.count - 1) {
            let start = Int(starts[run]), end = Int(starts[run + 1])
            let count = end - start
            let level = Int(classCodes[start])
            // r on the run, h_j and rᵀr.
            for j in columns {
                let column = x + j * n + start
                let bj = beta[j]
                if j == columns[0] {
                    for m in 0..<count { r[m] = y[start + m] - constant - column[m] * bj }
                } else {
                    for m in 0..<count { r[m] -= column[m] * bj }
                }
            }
            let source = columns.isEmpty ? y + start : UnsafePointer(r)
            let shift = columns.isEmpty ? constant : 0
            var h0 = 0.0, h1 = 0.0, h2 = 0.0, h3 = 0.0
            var m = 0
            if unit {
                while m + 4 <= count {
                    let row = start + m
                    let r0 = source[m] - shift - b[Int(codes[row])]
                    let r1 = source[m + 1] - shift - b[Int(codes[row + 1])]
                    let r2 = source[m + 2] - shift - b[Int(codes[row + 2])]
                    let r3 = source[m + 3] - shift - b[Int(codes[row + 3])]
                    r[m] = r0
                    r[m + 1] = r1
                    r[m + 2] = r2
                    r[m + 3] = r3
                    h0 += r0
                    h1 += r1
                    h2 += r2
                    h3 += r3
                    squares0 += r0 * r0 + r2 * r2
                    squares1 += r1 * r1 + r3 * r3
                    m += 4
                }
                while m < count {
                    let r0 = source[m] - shift - b[Int(codes[start + m])]
                    r[m] = r0
                    h0 += r0
                    squares0 += r0 * r0
                    m += 1
                }
            } else {
                while m < count {
                    let row = start + m
                    let r0 = source[m] - shift - zk[row] * b[Int(codes[row])]
                    r[m] = r0
                    h0 += zi[row] * r0
                    squares0 += r0 * r0
                    m += 1
                }
            }
            let h = (h0 + h1) + (h2 + h3)
            // The level: m_j = σ² + t²g_j, w_j = t h_j/m_j, v_j = t w_j.
            let g = gram[level]
            guard let (v, mj) = levelTerms.add(gram: g, sum: h) else { return nil }
            out.classSums[level] = h
            out.means[level] = v
            guard adjoints else {
                out.factors[level] = mj.squareRoot()
                continue
            }
            // a on the run, pulled back to block k's levels and to X.
            m = 0
            if unit {
                while m + 4 <= count {
                    let row = start + m
                    let a0 = r[m] - v
                    let a1 = r[m + 1] - v
                    let a2 = r[m + 2] - v
                    let a3 = r[m + 3] - v
                    r[m] = a0
                    r[m + 1] = a1
                    r[m + 2] = a2
                    r[m + 3] = a3
                    out.sampledSums[Int(codes[row])] += a0
                    out.sampledSums[Int(codes[row + 1])] += a1
                    out.sampledSums[Int(codes[row + 2])] += a2
                    out.sampledSums[Int(codes[row + 3])] += a3
                    m += 4
                }
                while m < count {
                    let a = r[m] - v
                    r[m] = a
                    out.sampledSums[Int(codes[start + m])] += a
                    m += 1
                }
            } else {
                while m < count {
                    let row = start + m
                    let a = r[m] - zi[row] * v
                    r[m] = a
                    out.sampledSums[Int(codes[row])] += zk[row] * a
                    m += 1
                }
            }
            // Σ a over the run is h_j − g_j v_j when z_i ≡ 1 (g_j is the run's length).
            for j in 0..<p {
                if rows.unitColumns[j] {
                    out.fixedSums[j] += classBlock.unitZ ? h - g * v : VectorKernels.sum(r, count: count)
                } else {
                    out.fixedSums[j] += VectorKernels.dot(x + j * n + start, r, count: count)
                }
            }
        }
        // Levels without rows: m_j = σ².
        let visited = starts.count - 1
        var sums = Sums()
        sums.logDeterminant = levelTerms.determinant.logarithm + Double(levels - visited) * log(levelTerms.variance)
        sums.quadratic = levelTerms.quadratic
        sums.solutionSquares = levelTerms.solutionSquares
        sums.traceInverse = levelTerms.traceInverse + (adjoints ? Double(levels - visited) * levelTerms.precision : 0)
        sums.factorAdjoint = levelTerms.factorAdjoint
        sums.residualSquares = squares0 + squares1
        return sums
    }
}
