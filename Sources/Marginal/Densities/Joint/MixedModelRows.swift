/// The rows of a linear mixed model's data in the layout the per-row passes of the densities
/// with sampled random effects read: y, X column by column, and per engine block its level
/// codes and Z (S × n, the S values of row n contiguous).
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
        /// Start rows of the runs of equal codes, then n (runCount + 1 values). Used when runs
        /// are long (rows sorted by this factor), where summing a run in registers avoids the
        /// store-to-load dependency of adding row after row into the same level.
        let runStarts: UnsafeMutableBufferPointer<Int32>
        let usesRuns: Bool
        /// S = 1 and z ≡ 1 (a random intercept): the passes then skip reading z.
        let unitZ: Bool
    }

    /// n, the number of observations, and p, the number of fixed effects.
    let n: Int
    let p: Int
    let y: UnsafeMutableBufferPointer<Double>
    /// X column by column: element (i, j) at `x[i + j * n]`.
    let x: UnsafeMutableBufferPointer<Double>
    /// In the engine's order (``LinearMixedModel/blocks``).
    let blocks: [Block]
    /// Whether each column of X is all ones (an intercept), which the passes need not read.
    let unitColumns: [Bool]
    /// X is a single column of ones: Xβ is the constant β₀.
    var interceptOnly: Bool { p == 1 && unitColumns[0] }

    /// Average run length from which a block's per-level sums go run by run.
    static let runLengthThreshold = 4

    init(model: LinearMixedModel) {
        let design = model.design
        n = design.nobs
        p = design.fixedEffects.p
        // At least one element each, so that every base address exists (p may be 0).
        y = Self.copy(design.response)
        x = Self.copy(design.fixedEffects.matrix.elements)
        let n = self.n
        let matrix = design.fixedEffects.matrix
        unitColumns = (0..<p).map { j in (0..<n).allSatisfy { matrix[$0, j] == 1 } }
        blocks = model.blocks.map { block in
            let codes = UnsafeMutableBufferPointer<Int32>.allocate(capacity: max(block.codes.count, 1))
            codes.initialize(repeating: 0)
            _ = codes.update(fromContentsOf: block.codes)
            var starts: [Int32] = []
            for i in 0..<n where i == 0 || block.codes[i] != block.codes[i - 1] { starts.append(Int32(i)) }
            let runCount = starts.count
            starts.append(Int32(n))
            let runStarts = UnsafeMutableBufferPointer<Int32>.allocate(capacity: starts.count)
            _ = runStarts.initialize(from: starts)
            return Block(
                group: block.group, dimension: block.dimension, levelCount: block.levelCount, codes: codes,
                z: Self.copy(block.z.elements), runStarts: runStarts,
                usesRuns: runCount * Self.runLengthThreshold <= n,
                unitZ: block.dimension == 1 && block.z.elements.allSatisfy { $0 == 1 })
        }
    }

    private static func copy(_ values: [Double]) -> UnsafeMutableBufferPointer<Double> {
        let buffer = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(values.count, 1))
        buffer.initialize(repeating: 0)
        _ = buffer.update(fromContentsOf: values)
        return buffer
    }

    deinit {
        y.deallocate()
        x.deallocate()
        for block in blocks {
            block.codes.deallocate()
            block.z.deallocate()
            block.runStarts.deallocate()
        }
    }
}
