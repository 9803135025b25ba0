/// What the one-class density precomputes from the data once (``OneClassMarginalizedDensity``).
///
/// For the marginalized block (class i, S columns, ℓ levels), per level j the Gram matrix
/// G_j = Z_ijᵀ Z_ij (S × S) of the rows in level j.
///
/// When class i is the model's only random-effect block, the residual r = y − Xβ depends on
/// β alone and every per-evaluation quantity is a quadratic form in β, so the rows are not
/// needed again. To keep those forms free of cancellation (yᵀy can dwarf rᵀr when y has a large
/// mean), they are taken about a reference β₀ (least squares, or 0 if XᵀX is singular) with
/// r₀ = y − Xβ₀ and Δ = β − β₀:
///
///     rᵀr = r₀ᵀr₀ − 2 Δᵀ Xᵀr₀ + Δᵀ XᵀX Δ,   Z_ijᵀ r = Z_ijᵀ r₀ − (Z_ijᵀ X) Δ.
///
/// Immutable once made, so copies of a density share it.
final class ClassStatistics: @unchecked Sendable {
    let dimension: Int
    let levelCount: Int
    /// ℓ × S², level after level (column-major S × S each).
    let gram: UnsafeMutableBufferPointer<Double>
    /// The sufficient statistics about β₀, present only when class i is the only block.
    let sufficient: Sufficient?

    final class Sufficient: @unchecked Sendable {
        let p: Int
        let referenceBeta: UnsafeMutableBufferPointer<Double>
        let residualSquares: Double
        /// Xᵀr₀ (p) and XᵀX (p × p).
        let xtr: UnsafeMutableBufferPointer<Double>
        let xtx: UnsafeMutableBufferPointer<Double>
        /// Per level Z_jᵀ r₀ (S values, level after level), and Z_iᵀX stacked over the levels
        /// (ℓS × p, column-major: column a holds every level's Z_jᵀ x_a).
        let ztr: UnsafeMutableBufferPointer<Double>
        let ztx: UnsafeMutableBufferPointer<Double>

        init(rows: MixedModelRows, block: MixedModelRows.Block) {
            let n = rows.n
            let p = rows.p
            let s = block.dimension
            self.p = p
            let x = rows.x.baseAddress!
            let y = rows.y.baseAddress!
            let z = block.z.baseAddress!
            xtx = Self.zeros(p * p)
            xtr = Self.zeros(p)
            referenceBeta = Self.zeros(p)
            // β₀ from the normal equations XᵀX β₀ = Xᵀy.
            let xty = Self.zeros(p)
            defer { xty.deallocate() }
            for i in 0..<n {
                for a in 0..<p {
                    xty[a] += x[i + a * n] * y[i]
                    for b in 0..<p { xtx[a + b * p] += x[i + a * n] * x[i + b * n] }
                }
            }
            let factor = Self.zeros(p * p)
            defer { factor.deallocate() }
            _ = factor.update(from: xtx)
            if p > 0, SmallMatrix.choleskyLower(factor.baseAddress!, size: p) {
                _ = referenceBeta.update(from: xty)
                SmallMatrix.solveLower(factor.baseAddress!, referenceBeta.baseAddress!, size: p)
                SmallMatrix.solveLowerTransposed(factor.baseAddress!, referenceBeta.baseAddress!, size: p)
            }
            ztr = Self.zeros(block.levelCount * s)
            ztx = Self.zeros(block.levelCount * s * p)
            var squares = 0.0
            for i in 0..<n {
                var r = y[i]
                for a in 0..<p { r -= x[i + a * n] * referenceBeta[a] }
                squares += r * r
                for a in 0..<p { xtr[a] += x[i + a * n] * r }
                let level = Int(block.codes[i])
                for c in 0..<s {
                    let zc = z[i * s + c]
                    ztr[level * s + c] += zc * r
                    for a in 0..<p { ztx[level * s + c + a * block.levelCount * s] += zc * x[i + a * n] }
                }
            }
            residualSquares = squares
        }

        deinit {
            referenceBeta.deallocate()
            xtr.deallocate()
            xtx.deallocate()
            ztr.deallocate()
            ztx.deallocate()
        }

        static func zeros(_ count: Int) -> UnsafeMutableBufferPointer<Double> {
            let buffer = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(count, 1))
            buffer.initialize(repeating: 0)
            return buffer
        }
    }

    init(rows: MixedModelRows, classIndex: Int) {
        let block = rows.blocks[classIndex]
        let s = block.dimension
        dimension = s
        levelCount = block.levelCount
        gram = Sufficient.zeros(block.levelCount * s * s)
        let z = block.z.baseAddress!
        for i in 0..<rows.n {
            let g = gram.baseAddress! + Int(block.codes[i]) * s * s
            let zi = z + i * s
            for b in 0..<s {
                for a in 0..<s { g[a + b * s] += zi[a] * zi[b] }
            }
        }
        sufficient = rows.blocks.count == 1 ? Sufficient(rows: rows, block: block) : nil
    }

    deinit {
        gram.deallocate()
    }
}
