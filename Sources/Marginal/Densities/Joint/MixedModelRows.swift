/// The rows of a linear mixed model's data in the layout the per-row passes of the densities
/// with sampled random effects read: y, X row by row (p values of row n contiguous), and per
/// engine block its level codes and Z (S × n, the S values of row n contiguous).
///
/// A copy is taken once when a density is made; it is never written afterwards, so every copy
/// of a density (one per chain) shares it. The storage is raw memory so that the hot loops can
/// hold pointers to several blocks at once.
final class MixedModelRows: @unchecked Sendable {
    /// One engine block (``RandomEffectBlock``): S columns, ℓ levels.
    struct Block {
        let group: String
        let dimension: Int
        let levelCount: Int
        let codes: UnsafeMutableBufferPointer<Int32>
        let z: UnsafeMutableBufferPointer<Double>
    }

    /// n, the number of observations, and p, the number of fixed effects.
    let n: Int
    let p: Int
    let y: UnsafeMutableBufferPointer<Double>
    /// X row by row: element (n, j) at `x[n * p + j]`.
    let x: UnsafeMutableBufferPointer<Double>
    /// In the engine's order (``LinearMixedModel/blocks``).
    let blocks: [Block]

    init(model: LinearMixedModel) {
        let design = model.design
        n = design.nobs
        p = design.fixedEffects.p
        // At least one element each, so that every base address exists (p may be 0).
        y = .allocate(capacity: max(n, 1))
        y.initialize(repeating: 0)
        _ = y.update(from: design.response)
        x = .allocate(capacity: max(n * p, 1))
        x.initialize(repeating: 0)
        let matrix = design.fixedEffects.matrix
        for row in 0..<n {
            for j in 0..<p { x[row * p + j] = matrix[row, j] }
        }
        blocks = model.blocks.map { block in
            let codes = UnsafeMutableBufferPointer<Int32>.allocate(capacity: block.codes.count)
            _ = codes.initialize(from: block.codes)
            let z = UnsafeMutableBufferPointer<Double>.allocate(capacity: block.z.elements.count)
            _ = z.initialize(from: block.z.elements)
            return Block(group: block.group, dimension: block.dimension, levelCount: block.levelCount, codes: codes, z: z)
        }
    }

    deinit {
        y.deallocate()
        x.deallocate()
        for block in blocks {
            block.codes.deallocate()
            block.z.deallocate()
        }
    }
}
