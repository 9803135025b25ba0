/// Several classes M integrated out (``SubsetMarginalizedDensity``): with M̂ = Λ̂ᵀZ_MᵀZ_MΛ̂ + I
/// factored by the blocked Cholesky of the model over M at a pilot θ̂ (``PenalizedLeastSquares``),
///
///     (I − P) u = Z_M Λ̂ M̂⁻¹ Λ̂ᵀ Z_Mᵀ u,   z_lᵀ (I − P) z_l = v_lᵀ M̂⁻¹ v_l,   v_l = Λ̂ᵀ Z_Mᵀ z_l,
///
/// each a solve with the factor (``PenalizedLeastSquares/solveRandomSystem(_:)``) between two
/// passes over the rows, or over the rows of level l alone. The rows are in the model's order.
struct FactorProjection: PilotProjection {
    let factor: PenalizedLeastSquares
    /// Per block of M: S, its codes and Z (S × n), its pilot Λ̂ (S × S, column-major lower) and
    /// where its effects start in the factor's layout.
    let blocks: [(dimension: Int, codes: [Int32], z: Matrix, lambda: [Double], offset: Int)]

    /// The projection of `model` (the model over M) at the pilot `theta`, or nil where the factor
    /// cannot serve: a nested block (which ``PenalizedLeastSquares/solveRandomSystem(_:)`` does
    /// not cover) or a pilot that is not positive definite.
    init?(model: LinearMixedModel, theta: [Double]) {
        var factor = PenalizedLeastSquares(products: model.products, factors: model.factors)
        guard factor.products.nested.isEmpty, factor.update(theta: theta) else { return nil }
        let ranges = factor.blockEffectRanges
        blocks = model.blocks.indices.map { k in
            (model.blocks[k].dimension, model.blocks[k].codes, model.blocks[k].z, factor.lambdas[k], ranges[k].lowerBound)
        }
        self.factor = factor
    }

    /// v ← v + Λ̂ᵀ Z_Mᵀ u over `rows`, with u's value at each row (zero elsewhere).
    private func addCrossProducts<Rows: Sequence<Int>>(of u: (Int) -> Double, rows: Rows, into v: UnsafeMutablePointer<Double>) {
        for block in blocks {
            let s = block.dimension
            block.codes.withUnsafeBufferPointer { codes in
                block.z.elements.withUnsafeBufferPointer { z in
                    block.lambda.withUnsafeBufferPointer { lambda in
                        for row in rows {
                            let value = u(row)
                            let base = v + block.offset + Int(codes[row]) * s
                            let zr = z.baseAddress! + row * s
                            for a in 0..<s {
                                var sum = 0.0
                                for b in a..<s { sum += lambda[b + a * s] * zr[b] }
                                base[a] += sum * value
                            }
                        }
                    }
                }
            }
        }
    }

    func absorbed(_ u: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, count n: Int) {
        var v = [Double](repeating: 0, count: factor.randomEffectCount)
        v.withUnsafeMutableBufferPointer { addCrossProducts(of: { u[$0] }, rows: 0..<n, into: $0.baseAddress!) }
        let x = factor.solveRandomSystem(v)
        out.update(repeating: 0, count: n)
        for block in blocks {
            let s = block.dimension
            block.codes.withUnsafeBufferPointer { codes in
                block.z.elements.withUnsafeBufferPointer { z in
                    block.lambda.withUnsafeBufferPointer { lambda in
                        x.withUnsafeBufferPointer { xp in
                            for row in 0..<n {
                                let base = xp.baseAddress! + block.offset + Int(codes[row]) * s
                                let zr = z.baseAddress! + row * s
                                var fitted = 0.0
                                for a in 0..<s {
                                    var lx = 0.0
                                    for b in 0...a { lx += lambda[a + b * s] * base[b] }
                                    fitted += zr[a] * lx
                                }
                                out[row] += fitted
                            }
                        }
                    }
                }
            }
        }
    }

    func absorbedInformation(sampled: MixedModelRows.Block, count n: Int) -> [Double] {
        let levels = sampled.levelCount
        let zk = sampled.z.baseAddress!, codes = sampled.codes.baseAddress!
        let order = MixedModelRows.stableOrder(codes: Array(sampled.codes.prefix(n)), levelCount: levels)
        var result = [Double](repeating: 0, count: levels)
        var v = [Double](repeating: 0, count: factor.randomEffectCount)
        var position = 0
        for level in 0..<levels {
            let start = position
            while position < n, Int(codes[order[position]]) == level { position += 1 }
            guard position > start else { continue }
            let levelRows = order[start..<position]
            v.withUnsafeMutableBufferPointer { addCrossProducts(of: { zk[$0] }, rows: levelRows, into: $0.baseAddress!) }
            let x = factor.solveRandomSystem(v)
            var quadratic = 0.0
            for index in v.indices where v[index] != 0 {
                quadratic += v[index] * x[index]
                v[index] = 0
            }
            result[level] = quadratic
        }
        return result
    }
}
