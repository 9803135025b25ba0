/// The rows of a linear mixed model's data in the layout the per-row passes of the densities
/// with sampled random effects read: y, X column by column, and per engine block its level
/// codes and Z (S × n, the S values of row n contiguous).
///
/// A copy is taken once when a density is made; it is never written afterwards, so every copy
/// of a density (one per chain) shares it. The storage is raw memory so that the hot loops can
/// hold pointers to several blocks at once.
///
/// The rows may be reordered (``init(model:sortedBy:)``): every quantity a density computes from
/// them is a sum over rows or over the levels of a factor, so the order changes only the speed
/// (and the rounding of sums in the last bits).
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

    /// The rows in the data's order.
    convenience init(model: LinearMixedModel) {
        self.init(model: model, sortedBy: nil)
    }

    /// The rows sorted by the levels of engine block `sortKey` (stably, so rows of one level keep
    /// the data's order), or in the data's order when it is nil. Sorted, that block's levels are
    /// contiguous runs: per-level sums over it read consecutive rows.
    convenience init(model: LinearMixedModel, sortedBy sortKey: Int?) {
        self.init(
            design: model.design, blocks: model.blocks,
            order: sortKey.map { Self.stableOrder(codes: model.blocks[$0].codes, levelCount: model.blocks[$0].levelCount) })
    }

    /// The rows of `design` and `blocks` (a linear or a generalized model's) in `order`, or in
    /// the data's order when it is nil.
    init(design: ModelDesign, blocks: [RandomEffectBlock], order: [Int]?) {
        n = design.nobs
        p = design.fixedEffects.p
        let n = self.n
        func permuted(_ values: ArraySlice<Double>) -> [Double] {
            guard let order else { return Array(values) }
            return order.map { values[values.startIndex + $0] }
        }
        // At least one element each, so that every base address exists (p may be 0).
        y = Self.copy(permuted(design.response[...]))
        let matrix = design.fixedEffects.matrix
        x = Self.copy((0..<p).flatMap { j in permuted(matrix.elements[(j * n)..<((j + 1) * n)]) })
        unitColumns = (0..<p).map { j in (0..<n).allSatisfy { matrix[$0, j] == 1 } }
        self.blocks = blocks.map { block in
            let s = block.dimension
            let sortedCodes = order.map { $0.map { block.codes[$0] } } ?? block.codes
            let codes = UnsafeMutableBufferPointer<Int32>.allocate(capacity: max(sortedCodes.count, 1))
            codes.initialize(repeating: 0)
            _ = codes.update(fromContentsOf: sortedCodes)
            var starts: [Int32] = []
            for i in 0..<n where i == 0 || sortedCodes[i] != sortedCodes[i - 1] { starts.append(Int32(i)) }
            let runCount = starts.count
            starts.append(Int32(n))
            let runStarts = UnsafeMutableBufferPointer<Int32>.allocate(capacity: starts.count)
            _ = runStarts.initialize(from: starts)
            // Z is stored S × n: row i's S values at i·S.
            let z = order.map { $0.flatMap { i in block.z.elements[(i * s)..<((i + 1) * s)] } } ?? block.z.elements
            return Block(
                group: block.group, dimension: s, levelCount: block.levelCount, codes: codes,
                z: Self.copy(z), runStarts: runStarts,
                usesRuns: runCount * Self.runLengthThreshold <= n,
                unitZ: s == 1 && z.allSatisfy { $0 == 1 })
        }
    }

    /// The row indices ordered by level code, the data's order within a level.
    static func stableOrder(codes: [Int32], levelCount: Int) -> [Int] {
        CountingSort(codes: codes, levels: levelCount).order
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
