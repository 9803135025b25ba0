import Foundation

/// The symmetric cross-product matrix A of √W [Z₁ Z₂ … Z_K X y] (W the prior weights), formed in
/// one pass over the data and laid out for the blocked Cholesky factor (Bates et al. 2015, §3;
/// MixedModels.jl chooses its block types by nesting in the same spirit):
///
/// - the first block Z₁ᵀZ₁ is block-diagonal, one S₁ × S₁ block per level, with a sparse panel
///   per level over the trailing rows T = [Z₂ … Z_K X y] it touches (``LevelPanels``);
/// - the next blocks stay sparse in the same form while they are *nested*: block k is kept sparse
///   when every earlier block's levels each co-occur with exactly one level of k (`class` in
///   `school`, `school` in `region`). Eliminating such levels fills in nothing: each level's
///   panel already holds every row its elimination reaches, so the factor has the panels' pattern;
/// - the rest of T (the first block that is crossed with an earlier one, every block after it,
///   then X and y) is one dense matrix, because it fills in when the sparse blocks are eliminated.
///
/// The pattern (which rows each level touches, and where they go) is built once from the design;
/// the values are accumulated on it with the row weights √wᵢ, and ``reweight(weights:response:)``
/// accumulates new ones on the same pattern, which is what PIRLS does at every step. Nothing
/// after that needs the n data rows again.
struct CrossProducts: Sendable {
    let n: Int
    /// Σᵢ log wᵢ (0 without weights): the weights' term of a linear model's log-likelihood,
    /// ½ Σᵢ log wᵢ (not kept for PIRLS's working weights, which have no such term).
    private(set) var logWeightSum: Double
    /// p, the number of fixed-effect columns.
    let p: Int
    /// The engine's fixed-effect coordinates: the cross products are those of X̃ and ỹ.
    private(set) var basis: FixedEffectsBasis
    /// What reweighting reads again: the blocks' codes and columns, and X.
    private let blocks: [RandomEffectBlock]
    private let x: Matrix
    /// Offset of trailing block k (k = 1..<K) within T; the X columns start at `fixedOffset`.
    let trailingOffsets: [Int]
    let fixedOffset: Int
    /// Size of T: Σ_{k≥1} ℓₖSₖ + p + 1.
    let trailingSize: Int
    /// For each row of T, the index of its random-effect block, or −1 for X and y rows.
    let blockOfTrailingRow: [Int32]
    /// The number of leading blocks kept sparse (the first and the nested ones after it).
    let sparseBlockCount: Int
    /// The first row of T in the dense part: the trailing rows before it belong to nested blocks.
    let denseOffset: Int

    /// The first block's diagonal blocks and panels, and for each row of T the panels that hold it.
    var first: LevelPanels
    let firstIndex: PanelIndex
    /// The nested blocks 1..<sparseBlockCount, each with the index of its own panels' rows.
    var nested: [LevelPanels]
    let nestedIndex: [PanelIndex]
    /// The dense part of T, (T_D)ᵀT_D over rows `denseOffset..<trailingSize`, both triangles.
    var trailing: [Double]
    /// Where the random × random part of ``trailing`` can be nonzero, by column (lower triangle):
    /// the random effects that share a data row. Crossing fills the rest in only when the sparse
    /// blocks are eliminated, so the factor's columns are loaded from these entries alone.
    let denseRandomPattern: ColumnPattern

    /// Whether every first-block panel holds every row of T and there are no nested blocks (one
    /// grouping factor, or a complete crossing such as every subject with every item): the panels
    /// side by side are then one T × ℓ₁S₁ matrix, and the downdate of the dense part one BLAS
    /// rank-k update instead of a scatter.
    var firstPanelsAreComplete: Bool {
        nested.isEmpty && (0..<first.levels).allSatisfy { first.height($0) == trailingSize }
    }

    /// Random rows of the dense part of T (before X and y).
    var denseRandomRows: Int { fixedOffset - denseOffset }
    /// Rows (and columns) of the dense part of T.
    var denseSize: Int { trailingSize - denseOffset }

    /// - Parameters:
    ///   - x, y: the fixed-effect columns and the response less any offset, in the user's
    ///     coordinates (``FixedEffectsBasis`` changes them).
    ///   - weights: prior weights wᵢ > 0 (residual variance σ²/wᵢ), or nil for 1.
    ///   - memoryLimit: bytes the dense part may take; beyond it, ``MixedModelError/tooLarge`` names
    ///     the grouping factor that makes it dense.
    init(
        blocks: [RandomEffectBlock], x: Matrix, y: [Double], weights: [Double]? = nil,
        memoryLimit: Double = CrossProducts.defaultMemoryLimit
    ) throws(MixedModelError) {
        let n = y.count
        let p = x.columns
        self.n = n
        self.p = p
        // The sparse blocks keep one dense S × S block per level (twice: products and factor).
        for block in blocks {
            let bytes = 8 * 2 * Double(block.levelCount) * Double(block.dimension) * Double(block.dimension)
            if bytes > memoryLimit {
                throw .levelBlocksTooLarge(group: block.group, effectsPerLevel: block.dimension, levels: block.levelCount, bytes: bytes, available: memoryLimit)
            }
        }

        var offsets: [Int] = []
        var offset = 0
        for block in blocks.dropFirst() {
            offsets.append(offset)
            offset += block.effectCount
        }
        trailingOffsets = offsets
        fixedOffset = offset
        let dimT = offset + p + 1
        trailingSize = dimT
        var blockOf = [Int32](repeating: -1, count: dimT)
        for (k, block) in blocks.dropFirst().enumerated() {
            for r in offsets[k]..<(offsets[k] + block.effectCount) { blockOf[r] = Int32(k + 1) }
        }
        blockOfTrailingRow = blockOf

        let sparse = Self.nestedPrefix(blocks)
        sparseBlockCount = sparse
        let denseOffset = sparse < blocks.count ? offsets[sparse - 1] : offset
        self.denseOffset = denseOffset
        let denseSize = dimT - denseOffset
        let denseBytes = 8 * 3 * Double(denseSize) * Double(denseSize)
        if denseBytes > memoryLimit {
            // The dense part is as large as it is because of the block that starts it.
            let group = sparse < blocks.count ? blocks[sparse].group : blocks[0].group
            throw .tooLarge(group: group, denseRows: denseSize, bytes: denseBytes, available: memoryLimit)
        }

        self.blocks = blocks
        self.x = x
        let pattern = EntryTable(blocks: blocks.dropFirst(), offsets: offsets, rowWeights: nil, n: n)
        first = LevelPanels(
            block: blocks[0], later: pattern, firstEntry: 0, fixedOffset: offset, trailingSize: dimT, denseOffset: denseOffset)
        firstIndex = PanelIndex(first, rowCount: dimT)
        nested = (1..<sparse).map { k in
            LevelPanels(
                block: blocks[k], later: pattern, firstEntry: pattern.columnOfBlock[k - 1] + blocks[k].dimension,
                fixedOffset: offset, trailingSize: dimT, denseOffset: denseOffset)
        }
        nestedIndex = nested.map { PanelIndex($0, rowCount: dimT) }
        trailing = []
        denseRandomPattern = ColumnPattern(
            entries: pattern, firstEntry: sparse < blocks.count ? pattern.columnOfBlock[sparse - 1] : pattern.width,
            offset: denseOffset, columns: offset - denseOffset)
        basis = FixedEffectsBasis(x: x, y: y, weights: weights)
        logWeightSum = Self.logSum(weights)
        accumulate(weights: weights)
    }

    /// Accumulates the values for new prior (or working) weights wᵢ > 0 (nil for 1) and a new
    /// response (less any offset) on the pattern built at construction; the fixed-effect basis is
    /// refitted to the new weights. `working` weights (PIRLS's) leave ``logWeightSum`` as it was.
    mutating func reweight(weights: [Double]?, response y: [Double], working: Bool = false) {
        if !working { logWeightSum = Self.logSum(weights) }
        basis = FixedEffectsBasis(x: x, y: y, weights: weights)
        accumulate(weights: weights)
    }

    /// Sets the y row and column to those of a new response on the same (unweighted) design and
    /// basis, the basis's shift c kept: for ỹ = y − X̃c, `effectSums[k]` holds Z_kᵀỹ for engine
    /// block k (ℓ_k·S_k values, level-major), `fixedSums` X̃ᵀỹ (p values; no longer zero, because
    /// ỹ is not projected again) and `squares` ỹᵀỹ. O(q): the caller forms the sums from its rows,
    /// often more cheaply than a pass per column (``SubsetMarginalizedDensity``, whose sampled
    /// effects move the response of the factors it integrates out). The engine's β̃ = Rβ − c
    /// keeps its meaning, so nothing else changes.
    mutating func setResponseProducts(effectSums: [[Double]], fixedSums: [Double], squares: Double) {
        first.setResponse(effectSums[0])
        for k in nested.indices { nested[k].setResponse(effectSums[k + 1]) }
        let d = denseSize
        let yRow = d - 1
        trailing.withUnsafeMutableBufferPointer { tp in
            let t = tp.baseAddress!
            func set(_ i: Int, _ value: Double) {
                t[i + yRow * d] = value
                t[yRow + i * d] = value
            }
            for k in sparseBlockCount..<blocks.count {
                let sums = effectSums[k]
                let start = trailingOffsets[k - 1] - denseOffset
                for i in 0..<blocks[k].effectCount { set(start + i, sums[i]) }
            }
            let denseFixed = fixedOffset - denseOffset
            for j in 0..<p { set(denseFixed + j, fixedSums[j]) }
            t[yRow + yRow * d] = squares
        }
    }

    private static func logSum(_ weights: [Double]?) -> Double { weights?.reduce(0) { $0 + Foundation.log($1) } ?? 0 }

    /// The values on the pattern for the current basis and these weights.
    private mutating func accumulate(weights: [Double]?) {
        let sqrtW = weights.map { $0.map { $0.squareRoot() } }
        // √W [X̃ ỹ] as one n × (p + 1) matrix.
        var xy = basis.columns.elements
        xy.append(contentsOf: basis.response)
        if let sqrtW {
            for j in 0...p {
                for i in 0..<n { xy[i + j * n] *= sqrtW[i] }
            }
        }
        var xyRows = [Double](repeating: 0, count: xy.count)
        for j in 0...p {
            for i in 0..<n { xyRows[i * (p + 1) + j] = xy[i + j * n] }
        }
        first.accumulate(rowWeights: sqrtW, xyRows: xyRows)
        for k in nested.indices { nested[k].accumulate(rowWeights: sqrtW, xyRows: xyRows) }
        let entries = fixedOffset > denseOffset ? EntryTable(blocks: blocks.dropFirst(), offsets: trailingOffsets, rowWeights: sqrtW, n: n) : nil
        accumulateDense(entries: entries, xy: xy)
    }

    /// (T_D)ᵀT_D, both triangles: random × random and random × [X y] by rows, [X y]ᵀ[X y] by BLAS.
    private mutating func accumulateDense(entries: EntryTable?, xy: [Double]) {
        let denseSize = self.denseSize
        let denseFixed = fixedOffset - denseOffset
        let p = self.p
        let n = self.n
        var trailing = [Double](repeating: 0, count: denseSize * denseSize)
        trailing.withUnsafeMutableBufferPointer { t in
            xy.withUnsafeBufferPointer { xyp in
                BLAS.syrkLower(
                    transpose: true, n: p + 1, k: n, alpha: 1, a: xyp.baseAddress!, lda: n, beta: 0,
                    c: t.baseAddress! + denseFixed + denseFixed * denseSize, ldc: denseSize)
            }
        }
        // The dense part's random rows, from each data row's entries of the dense blocks.
        if let entries {
            let firstDenseEntry = sparseBlockCount < blocks.count ? entries.columnOfBlock[sparseBlockCount - 1] : entries.width
            for i in 0..<n {
                let row = (i * entries.width + firstDenseEntry)..<((i + 1) * entries.width)
                for a in row {
                    let rowA = entries.row[a] - denseOffset, valueA = entries.value[a]
                    for b in row where entries.row[b] - denseOffset <= rowA {
                        trailing[rowA + (entries.row[b] - denseOffset) * denseSize] += valueA * entries.value[b]
                    }
                    for j in 0...p { trailing[(denseFixed + j) + rowA * denseSize] += xy[i + j * n] * valueA }
                }
            }
        }
        for j in 0..<denseSize {
            for i in (j + 1)..<denseSize { trailing[j + i * denseSize] = trailing[i + j * denseSize] }
        }
        self.trailing = trailing
    }

    /// The number of leading blocks that stay sparse: the first block, then each next block k as
    /// long as every block before it is nested in k (each of its levels co-occurs with one level of k).
    static func nestedPrefix(_ blocks: [RandomEffectBlock]) -> Int {
        var count = 1
        outer: while count < blocks.count {
            let outerCodes = blocks[count].codes
            for inner in blocks[..<count] {
                var parent = [Int32](repeating: -1, count: inner.levelCount)
                for (i, code) in inner.codes.enumerated() {
                    let c = Int(code)
                    if parent[c] < 0 {
                        parent[c] = outerCodes[i]
                    } else if parent[c] != outerCodes[i] {
                        break outer
                    }
                }
            }
            count += 1
        }
        return count
    }

    /// Half of the machine's memory: the dense part is held three times (cross products, factor,
    /// and an inverse for the gradient or the conditional variances).
    static var defaultMemoryLimit: Double { Double(ProcessInfo.processInfo.physicalMemory) / 2 }

    /// Rows of T that hold the effects of random-effect block k (k ≥ 1).
    func trailingRange(ofBlock k: Int) -> Range<Int> {
        let start = trailingOffsets[k - 1]
        return start..<(k < trailingOffsets.count ? trailingOffsets[k] : fixedOffset)
    }
}

/// A lower-triangular sparsity pattern by column: the rows of column j are
/// `rows[start[j]..<start[j + 1]]`, ascending, from j on.
struct ColumnPattern: Sendable {
    let start: [Int]
    let rows: [Int32]

    /// The pairs of a data row's entries from `firstEntry` on (rows less `offset`, below `columns`).
    init(entries: EntryTable, firstEntry: Int, offset: Int, columns: Int) {
        var byColumn = [[Int32]](repeating: [], count: columns)
        let n = entries.width == 0 ? 0 : entries.row.count / entries.width
        for i in 0..<n {
            let row = (i * entries.width + firstEntry)..<((i + 1) * entries.width)
            for a in row {
                let ra = entries.row[a] - offset
                guard ra >= 0, ra < columns else { continue }
                for b in row {
                    let rb = entries.row[b] - offset
                    if rb >= ra, rb < columns { byColumn[ra].append(Int32(rb)) }
                }
            }
        }
        var start = [0]
        var rows: [Int32] = []
        for var column in byColumn {
            column.sort()
            var last: Int32 = -1
            for row in column where row != last {
                rows.append(row)
                last = row
            }
            start.append(rows.count)
        }
        self.start = start
        self.rows = rows
    }
}
