/// Everything ``SubsetMarginalizedDensity`` reads from the data, formed once, so that an
/// evaluation never passes over the rows. With sampled blocks m (effects b_m), integrated-out
/// blocks k, the basis of the model over the k (X̃, ỹ = y − X̃c) and r̃ = ỹ − Σ_m Z_m b_m:
///
///     Z_kᵀr̃ = Z_kᵀỹ − Σ_m (Z_kᵀZ_m) b_m,        X̃ᵀr̃ = X̃ᵀỹ − Σ_m (X̃ᵀZ_m) b_m,
///     r̃ᵀr̃ = ỹᵀỹ − 2 Σ_m b_mᵀ Z_mᵀỹ + Σ_m b_mᵀ w_m,   w_m = Σ_m' (Z_mᵀZ_m') b_m',
///
/// the cross products the factor over the k takes as its response, and for the gradient, with
/// μ_k = Λ_k ũ_k the integrated effects' conditional means and e = y − Xβ − Z_S b_S − Z_M μ,
///
///     Z_mᵀe = Z_mᵀy − (Z_mᵀX) β − w_m − Σ_k (Z_mᵀZ_k) μ_k,
///
/// each a product with a ``CrossTabulation`` or a small dense matrix. r̃ᵀr̃ is a difference of
/// terms of the size of ỹᵀỹ (y less its least-squares fit on X), so it keeps its relative precision.
struct SubsetCrossProducts: Sendable {
    let p: Int
    /// Z_mᵀZ_m' ([m][m']), Z_mᵀZ_k ([m][k]) and Z_kᵀZ_m ([k][m]).
    let sampledCross: [[CrossTabulation]]
    let sampledByIntegrated: [[CrossTabulation]]
    let integratedBySampled: [[CrossTabulation]]
    /// ỹᵀỹ, Z_kᵀỹ, Z_mᵀỹ, X̃ᵀỹ and X̃ᵀZ_m (level l's S·p values at l·S·p, column a's p at l·S·p + a·p).
    let engineSquares: Double
    let integratedResponse: [[Double]]
    let sampledEngineResponse: [[Double]]
    let engineFixed: [Double]
    let engineFixedCross: [[Double]]
    /// Z_mᵀy and Z_mᵀX in the user's coordinates (Z_mᵀX laid out as X̃ᵀZ_m).
    let sampledResponse: [[Double]]
    let sampledFixed: [[Double]]

    /// The products of `rows` for sampled engine blocks `sampled` and integrated-out `integrated`,
    /// with the basis of the model over the integrated blocks (same rows, same order).
    init(rows: MixedModelRows, sampled: [Int], integrated: [Int], basis: FixedEffectsBasis) {
        let n = rows.n
        let p = rows.p
        self.p = p
        sampledCross = sampled.map { m in sampled.map { CrossTabulation(rows: rows, a: m, b: $0) } }
        sampledByIntegrated = sampled.map { m in integrated.map { CrossTabulation(rows: rows, a: m, b: $0) } }
        integratedBySampled = integrated.map { k in sampled.map { CrossTabulation(rows: rows, a: k, b: $0) } }
        let engineY = basis.response
        engineSquares = engineY.reduce(0) { $0 + $1 * $1 }
        engineFixed = (0..<p).map { j in (0..<n).reduce(0) { $0 + basis.columns[$1, j] * engineY[$1] } }
        /// Σ_n z_n u_n per level of block `k` (ℓ·S values).
        func effectSums(_ k: Int, _ u: UnsafePointer<Double>) -> [Double] {
            var sums = [Double](repeating: 0, count: rows.blocks[k].levelCount * rows.blocks[k].dimension)
            sums.withUnsafeMutableBufferPointer { EffectPasses.accumulateEffects(block: rows.blocks[k], weights: u, into: $0.baseAddress!, count: n) }
            return sums
        }
        /// Σ_n z_n,a column_j(n) per level of block `m` (ℓ·S·p values).
        func fixedSums(_ m: Int, _ column: (Int, Int) -> Double) -> [Double] {
            let block = rows.blocks[m]
            let s = block.dimension
            var sums = [Double](repeating: 0, count: block.levelCount * s * p)
            for i in 0..<n {
                let base = Int(block.codes[i]) * s * p
                for a in 0..<s {
                    for j in 0..<p { sums[base + a * p + j] += column(i, j) * block.z[i * s + a] }
                }
            }
            return sums
        }
        integratedResponse = integrated.map { effectSums($0, engineY) }
        sampledEngineResponse = sampled.map { effectSums($0, engineY) }
        sampledResponse = sampled.map { effectSums($0, rows.y.baseAddress!) }
        engineFixedCross = sampled.map { fixedSums($0) { basis.columns[$0, $1] } }
        sampledFixed = sampled.map { fixedSums($0) { rows.x[$0 + $1 * n] } }
    }

    /// For the sampled effects `b` (each followed by a zero, as padded ``CrossTabulation``s read): w_m into `w`, Z_kᵀr̃ into `levelSums`, X̃ᵀr̃ into `fixedSums`;
    /// returns r̃ᵀr̃.
    func responseProducts(effects b: [[Double]], w: inout [[Double]], levelSums: inout [[Double]], fixedSums: inout [Double]) -> Double {
        var squares = engineSquares
        for m in b.indices {
            squares += b[m].withUnsafeBufferPointer { bm in
                w[m].withUnsafeMutableBufferPointer { wp in
                    let out = wp.baseAddress!
                    out.update(repeating: 0, count: wp.count)
                    for (other, cross) in sampledCross[m].enumerated() {
                        b[other].withUnsafeBufferPointer { cross.accumulateProduct($0.baseAddress!, into: out, sign: 1) }
                    }
                    return sampledEngineResponse[m].withUnsafeBufferPointer { rp in
                        var sum = 0.0
                        for i in 0..<wp.count { sum += bm[i] * (out[i] - 2 * rp[i]) }
                        return sum
                    }
                }
            }
        }
        for k in levelSums.indices {
            levelSums[k].withUnsafeMutableBufferPointer { out in
                _ = out.update(fromContentsOf: integratedResponse[k])
                for (m, cross) in integratedBySampled[k].enumerated() {
                    b[m].withUnsafeBufferPointer { cross.accumulateProduct($0.baseAddress!, into: out.baseAddress!, sign: -1) }
                }
            }
        }
        for j in 0..<p { fixedSums[j] = engineFixed[j] }
        for m in b.indices {
            subtractFixedProducts(engineFixedCross[m], effects: b[m], from: &fixedSums)
        }
        return squares
    }

    /// Z_mᵀe (e = y − Xβ − Z_S b − Z_M μ) times `scale` into `adjoints`, from the w_m of
    /// ``responseProducts(effects:w:levelSums:fixedSums:)`` and the integrated effects μ_k (each
    /// followed by a zero).
    func sampledProducts(beta: [Double], w: [[Double]], means: [[Double]], scale: Double, into adjoints: inout [[Double]]) {
        for m in adjoints.indices {
            adjoints[m].withUnsafeMutableBufferPointer { op in
                let out = op.baseAddress!
                sampledFixed[m].withUnsafeBufferPointer { fixed in
                    sampledResponse[m].withUnsafeBufferPointer { response in
                        w[m].withUnsafeBufferPointer { wm in
                            beta.withUnsafeBufferPointer { bp in
                                for i in 0..<op.count {
                                    var value = response[i] - wm[i]
                                    let row = fixed.baseAddress! + i * p
                                    for j in 0..<p { value -= row[j] * bp[j] }
                                    out[i] = value
                                }
                            }
                        }
                    }
                }
                for (k, cross) in sampledByIntegrated[m].enumerated() {
                    means[k].withUnsafeBufferPointer { cross.accumulateProduct($0.baseAddress!, into: out, sign: -1) }
                }
                for i in 0..<op.count { out[i] *= scale }
            }
        }
    }

    /// f ← f − Σ_i b_i (X̃ᵀZ)_i for the p-vectors `products` holds per effect i.
    private func subtractFixedProducts(_ products: [Double], effects b: [Double], from f: inout [Double]) {
        guard p > 0 else { return }
        products.withUnsafeBufferPointer { cp in
            b.withUnsafeBufferPointer { bp in
                f.withUnsafeMutableBufferPointer { fp in
                    for i in 0..<(cp.count / p) {
                        let value = bp[i]
                        let column = cp.baseAddress! + i * p
                        for j in 0..<p { fp[j] -= column[j] * value }
                    }
                }
            }
        }
    }
}
