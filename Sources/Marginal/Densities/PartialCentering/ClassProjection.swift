/// One class i integrated out (``OneClassMarginalizedDensity``): Λ̂ᵀZ_iᵀZ_iΛ̂ + I is block
/// diagonal over the class's levels j, so
///
///     (I − P) u = Z_i (⊕_j W_j) Z_iᵀ u,   W_j = Λ̂ (Λ̂ᵀ G_j Λ̂ + I)⁻¹ Λ̂ᵀ,   G_j = Z_ijᵀ Z_ij,
///
/// in O(n S_i²) per vector, and z_lᵀ (I − P) z_l = Σ_j C_ljᵀ W_j C_lj with C_lj the sum of
/// z_kn z_in over the rows of sampled level l in class level j.
struct ClassProjection: PilotProjection {
    let rows: MixedModelRows
    /// Class i's engine block.
    let block: Int
    /// W_j per level of class i (S_i × S_i each, column-major).
    let weights: [Double]

    /// Class i = `block` of `rows`, with its per-level G_j (``ClassStatistics/gram``) and the
    /// pilot relative covariance factor Λ̂ (S_i × S_i, column-major lower triangle).
    init(rows: MixedModelRows, block: Int, gram: UnsafeMutableBufferPointer<Double>, pilot: [Double]) {
        self.rows = rows
        self.block = block
        let marginalized = rows.blocks[block]
        weights = Self.projectionWeights(gram: gram, levelCount: marginalized.levelCount, size: marginalized.dimension, pilot: pilot)
    }

    func absorbed(_ u: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, count n: Int) {
        let marginalized = rows.blocks[block]
        let si = marginalized.dimension
        let zi = marginalized.z.baseAddress!, codes = marginalized.codes.baseAddress!
        var sums = [Double](repeating: 0, count: marginalized.levelCount * si)
        for row in 0..<n {
            let base = Int(codes[row]) * si
            for a in 0..<si { sums[base + a] += zi[row * si + a] * u[row] }
        }
        var solved = [Double](repeating: 0, count: sums.count)
        for level in 0..<marginalized.levelCount {
            for a in 0..<si {
                var sum = 0.0
                for b in 0..<si { sum += weights[level * si * si + a + b * si] * sums[level * si + b] }
                solved[level * si + a] = sum
            }
        }
        for row in 0..<n {
            let base = Int(codes[row]) * si
            var fitted = 0.0
            for a in 0..<si { fitted += zi[row * si + a] * solved[base + a] }
            out[row] = fitted
        }
    }

    func absorbedInformation(sampled: MixedModelRows.Block, count n: Int) -> [Double] {
        let marginalized = rows.blocks[block]
        let si = marginalized.dimension
        let classLevels = marginalized.levelCount
        let zk = sampled.z.baseAddress!, codesK = sampled.codes.baseAddress!
        let zi = marginalized.z.baseAddress!, codesI = marginalized.codes.baseAddress!
        // The rows of level l are visited together, C_lj gathered in `cross`.
        let levels = sampled.levelCount
        let order = MixedModelRows.stableOrder(codes: Array(sampled.codes.prefix(n)), levelCount: levels)
        var result = [Double](repeating: 0, count: levels)
        var cross = [Double](repeating: 0, count: classLevels * si)
        var lastVisit = [Int](repeating: -1, count: classLevels)
        var touched: [Int] = []
        var position = 0
        for level in 0..<levels {
            while position < n, Int(codesK[order[position]]) == level {
                let row = order[position]
                let j = Int(codesI[row])
                if lastVisit[j] != level {
                    lastVisit[j] = level
                    touched.append(j)
                }
                for a in 0..<si { cross[j * si + a] += zk[row] * zi[row * si + a] }
                position += 1
            }
            var correction = 0.0
            for j in touched {
                for a in 0..<si {
                    for b in 0..<si { correction += cross[j * si + a] * weights[j * si * si + a + b * si] * cross[j * si + b] }
                }
                for a in 0..<si { cross[j * si + a] = 0 }
            }
            touched.removeAll(keepingCapacity: true)
            result[level] = correction
        }
        return result
    }

    /// W_j = Λ̂ (Λ̂ᵀG_jΛ̂ + I)⁻¹ Λ̂ᵀ per level (S × S each, column-major).
    static func projectionWeights(gram: UnsafeMutableBufferPointer<Double>, levelCount: Int, size s: Int, pilot: [Double]) -> [Double] {
        var weights = [Double](repeating: 0, count: levelCount * s * s)
        var m = [Double](repeating: 0, count: s * s)
        var inverse = [Double](repeating: 0, count: s * s)
        pilot.withUnsafeBufferPointer { lambda in
            let t = lambda.baseAddress!
            for level in 0..<levelCount {
                let g = gram.baseAddress! + level * s * s
                for a in 0..<s {
                    for b in 0..<s {
                        var sum = a == b ? 1.0 : 0.0
                        for c in a..<s {
                            for d in b..<s { sum += t[c + a * s] * g[c + d * s] * t[d + b * s] }
                        }
                        m[a + b * s] = sum
                    }
                }
                let ok = m.withUnsafeMutableBufferPointer { SmallMatrix.choleskyLower($0.baseAddress!, size: s) }
                guard ok else { continue }
                m.withUnsafeBufferPointer { l in
                    inverse.withUnsafeMutableBufferPointer { SmallMatrix.inverseFromCholesky(l.baseAddress!, into: $0.baseAddress!, size: s) }
                }
                for a in 0..<s {
                    for b in 0..<s {
                        var sum = 0.0
                        for c in 0...a {
                            for d in 0...b { sum += t[a + c * s] * inverse[c + d * s] * t[b + d * s] }
                        }
                        weights[level * s * s + a + b * s] = sum
                    }
                }
            }
        }
        return weights
    }
}
