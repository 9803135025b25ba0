/// The cross products of one random-effect block with everything after it, one panel per level:
/// a symbolic pattern (which later rows each level touches) and the values Σᵢ wᵢ z_r,i z_c,iᵀ.
///
/// Level c of the block has an S × S diagonal block A_cc and a panel A_{R(c),c} (m_c × S,
/// column-major) over the sorted rows R(c) of the trailing part (the later blocks' effects, then
/// the X columns and y) that co-occur with c in some data row. This is the column structure of the
/// Cholesky factor as well when the block's levels are nested in every later sparse block (see
/// ``CrossProducts``): eliminating a level then adds no row that its rows did not already have
/// (a supernodal sparse Cholesky whose supernodes are the levels; Davis 2006, *Direct Methods for
/// Sparse Linear Systems*, §4.4).
struct LevelPanels: Sendable {
    /// S, the effects per level, and ℓ, the number of levels.
    let dimension: Int
    let levels: Int
    /// A_cc, ℓ blocks of S × S, column-major, block c at c·S².
    var diagonal: [Double]
    /// Panel c holds trailing rows `rows[start[c] ..< start[c+1]]` (sorted; the X and y rows are
    /// always the last p + 1), its values at `start[c]·S`, m_c × S column-major.
    let start: [Int]
    let rows: [Int32]
    var values: [Double]
    /// Position in panel c of its first row at or after the dense part of the trailing matrix.
    let denseStart: [Int]
    /// For the k-th data row in level order (`rowsByLevel.order[k]`) and each of its later entries
    /// t (`laterCount` per row, from the pattern's `firstEntry`), the position of that entry's
    /// trailing row in the panel of its level, and the entry's value (unweighted); and the row's
    /// zᵢ (S values). Fixed by the design and stored in the order reweighting visits them, so that
    /// it reads them in one pass and looks no row up but the weights and [X y].
    private let entryPositions: [Int32]
    private let entryValues: [Double]
    private let orderedZ: [Double]
    private let laterCount: Int

    /// Whether every data row has at most one nonzero zᵢₐ (an indicator term: `ar1`, `cs`, `diag`
    /// over a factor, `(0 + f | g)`), so that every A_cc is diagonal.
    let hasDiagonalBlocks: Bool

    /// Number of rows m_c of panel c.
    @inline(__always) func height(_ c: Int) -> Int { start[c + 1] - start[c] }

    /// The data rows of each level (a counting sort of the block's codes), kept for reweighting.
    let rowsByLevel: CountingSort

    /// The pattern of `block`'s panels against the later rows in `later` (each data row's entries
    /// of the blocks after this one, `width` per data row, from column `firstEntry`), with the
    /// p + 1 rows of X and y at `fixedOffset`; the values are zero until ``accumulate(rowWeights:xyRows:)``.
    init(block: RandomEffectBlock, later: EntryTable, firstEntry: Int, fixedOffset: Int, trailingSize: Int, denseOffset: Int) {
        let s = block.dimension
        let levels = block.levelCount
        dimension = s
        self.levels = levels
        rowsByLevel = CountingSort(codes: block.codes, levels: levels)
        var start = [0]
        var rows: [Int32] = []
        var denseStart: [Int] = []
        var mark = [Int](repeating: -1, count: trailingSize)
        let width = later.width
        let laterCount = width - firstEntry
        var positions = [Int32](repeating: 0, count: block.codes.count * laterCount)
        for c in 0..<levels {
            var touched: [Int] = []
            for i in rowsByLevel.rows(of: c) {
                for e in (i * width + firstEntry)..<((i + 1) * width) where mark[later.row[e]] != c {
                    mark[later.row[e]] = c
                    touched.append(later.row[e])
                }
            }
            touched.sort()
            denseStart.append(touched.partitioningIndex { $0 >= denseOffset })
            // `mark` now holds each touched row's position in the panel (negative, to stay apart
            // from the level numbers).
            for (q, row) in touched.enumerated() { mark[row] = -2 - q }
            for i in rowsByLevel.rows(of: c) {
                for t in 0..<laterCount { positions[i * laterCount + t] = Int32(-2 - mark[later.row[i * width + firstEntry + t]]) }
            }
            for row in touched { mark[row] = c }
            touched.append(contentsOf: fixedOffset..<trailingSize)
            rows.append(contentsOf: touched.map { Int32($0) })
            start.append(rows.count)
        }
        self.start = start
        self.rows = rows
        self.denseStart = denseStart
        let order = rowsByLevel.order
        var orderedPositions = [Int32](repeating: 0, count: positions.count)
        var orderedValues = [Double](repeating: 0, count: positions.count)
        var orderedZ = [Double](repeating: 0, count: order.count * s)
        for (k, i) in order.enumerated() {
            for t in 0..<laterCount {
                orderedPositions[k * laterCount + t] = positions[i * laterCount + t]
                orderedValues[k * laterCount + t] = later.value[i * width + firstEntry + t]
            }
            for a in 0..<s { orderedZ[k * s + a] = block.z[a, i] }
        }
        hasDiagonalBlocks = (0..<order.count).allSatisfy { k in (0..<s).count { orderedZ[k * s + $0] != 0 } <= 1 }
        entryPositions = orderedPositions
        entryValues = orderedValues
        self.orderedZ = orderedZ
        self.laterCount = laterCount
        diagonal = Array(repeating: 0, count: levels * s * s)
        values = Array(repeating: 0, count: rows.count * s)
    }

    /// Sets the values on the pattern: A_cc = Σ_{i in c} wᵢ zᵢzᵢᵀ and the panel rows
    /// Σ_{i in c} wᵢ t_i zᵢᵀ (t_i the later blocks' entries) and Σ_{i in c} √wᵢ [X y]ᵢ (√wᵢ zᵢ)ᵀ, with
    /// the weighted [X y] in `xyRows` (row-major, p + 1 values per data row, in data order). What
    /// PIRLS's reweighting repeats: the same pattern, new weights and response.
    mutating func accumulate(rowWeights sqrtW: [Double]?, xyRows: [Double]) {
        let n = rowsByLevel.order.count
        let s = dimension
        let p1 = xyRows.count / max(n, 1)
        let count = laterCount
        let levels = self.levels, start = self.start
        // Row i's nonzero √wᵢ zᵢₐ and their a: indicator terms (`ar1`, `cs`, `diag` over a factor)
        // have one per row, so the row adds 1 + (p + 1) products instead of S² + S(p + 1).
        var z = [Double](repeating: 0, count: s)
        var nonzero = [Int](repeating: 0, count: s)
        diagonal.withUnsafeMutableBufferPointer { dp in
        values.withUnsafeMutableBufferPointer { vp in
        orderedZ.withUnsafeBufferPointer { zp in
        entryValues.withUnsafeBufferPointer { ep in
        entryPositions.withUnsafeBufferPointer { pp in
        rowsByLevel.order.withUnsafeBufferPointer { op in
        xyRows.withUnsafeBufferPointer { xp in
        z.withUnsafeMutableBufferPointer { zw in
        nonzero.withUnsafeMutableBufferPointer { np in
            guard let diagonal = dp.baseAddress, let values = vp.baseAddress, let xyBase = xp.baseAddress,
                  let zBase = zp.baseAddress, let order = op.baseAddress, let zw = zw.baseAddress, let index = np.baseAddress else { return }
            // Without later blocks there are no entries (and the arrays have no storage).
            let entryBase = ep.baseAddress, positionBase = pp.baseAddress
            diagonal.update(repeating: 0, count: dp.count)
            values.update(repeating: 0, count: vp.count)
            var k = 0
            for c in 0..<levels {
                let m = start[c + 1] - start[c]
                let panel = values + start[c] * s
                let block = diagonal + c * s * s
                for _ in rowsByLevel.start[c]..<rowsByLevel.start[c + 1] {
                    let i = order[k]
                    let weight = sqrtW?[i] ?? 1
                    var nonzeroCount = 0
                    for a in 0..<s {
                        let value = zBase[k * s + a] * weight
                        if value != 0 {
                            zw[nonzeroCount] = value
                            index[nonzeroCount] = a
                            nonzeroCount += 1
                        }
                    }
                    let xy = xyBase + i * p1
                    for e in 0..<nonzeroCount {
                        let za = zw[e], a = index[e]
                        for f in 0..<nonzeroCount { block[a + index[f] * s] += za * zw[f] }
                        let column = panel + a * m
                        if count > 0, let entryBase, let positionBase {
                            let weighted = za * weight
                            let entries = entryBase + k * count, positions = positionBase + k * count
                            for t in 0..<count { column[Int(positions[t])] += entries[t] * weighted }
                        }
                        let fixed = column + m - p1
                        for j in 0..<p1 { fixed[j] += xy[j] * za }
                    }
                    k += 1
                }
            }
        }}}}}}}}}
    }

    /// Sets the y row of every panel to `sums` (level c's S values at c·S): Σ_{i in c} zᵢ ỹᵢ for a
    /// new response ỹ, leaving the rest of the values as they are
    /// (``CrossProducts/setResponseProducts(effectSums:fixedSums:squares:)``).
    mutating func setResponse(_ sums: [Double]) {
        let s = dimension
        for c in 0..<levels {
            let m = start[c + 1] - start[c]
            let panel = start[c] * s
            for a in 0..<s { values[panel + a * m + m - 1] = sums[c * s + a] }
        }
    }
}

/// For each trailing row, the panels that hold it and its position there: entries
/// `start[r] ..< start[r+1]` of `panel` and `position`. Serves the column-at-a-time passes over
/// the panels (the downdate of a later block, the quadratic forms of the inverse).
struct PanelIndex: Sendable {
    let start: [Int]
    let panel: [Int32]
    let position: [Int32]

    init(_ panels: LevelPanels, rowCount: Int) {
        var start = [Int](repeating: 0, count: rowCount + 1)
        for row in panels.rows { start[Int(row) + 1] += 1 }
        for r in 0..<rowCount { start[r + 1] += start[r] }
        var panel = [Int32](repeating: 0, count: panels.rows.count)
        var position = [Int32](repeating: 0, count: panels.rows.count)
        var next = start
        for c in 0..<panels.levels {
            for entry in panels.start[c]..<panels.start[c + 1] {
                let row = Int(panels.rows[entry])
                panel[next[row]] = Int32(c)
                position[next[row]] = Int32(entry - panels.start[c])
                next[row] += 1
            }
        }
        self.start = start
        self.panel = panel
        self.position = position
    }
}

/// Each data row's random-effect entries in the trailing blocks: (trailing row, √wᵢ·z value),
/// `width` = Σ_{k≥1} Sₖ per data row, block after block, gathered once so that the passes over the
/// data read flat arrays.
struct EntryTable: Sendable {
    let width: Int
    let row: [Int]
    let value: [Double]
    /// Entry column at which each trailing block's entries start.
    let columnOfBlock: [Int]

    init(blocks: ArraySlice<RandomEffectBlock>, offsets: [Int], rowWeights sqrtW: [Double]?, n: Int) {
        let width = blocks.reduce(0) { $0 + $1.dimension }
        var row = [Int](repeating: 0, count: n * width)
        var value = [Double](repeating: 0, count: n * width)
        var columns: [Int] = []
        var column = 0
        for (k, block) in blocks.enumerated() {
            columns.append(column)
            let codes = block.codes, z = block.z, s = block.dimension
            for i in 0..<n {
                let base = offsets[k] + Int(codes[i]) * s
                let weight = sqrtW?[i] ?? 1
                for t in 0..<s {
                    row[i * width + column + t] = base + t
                    value[i * width + column + t] = z[t, i] * weight
                }
            }
            column += block.dimension
        }
        self.width = width
        self.row = row
        self.value = value
        columnOfBlock = columns
    }
}

/// The data rows grouped by level (a counting sort of the codes).
struct CountingSort: Sendable {
    let start: [Int]
    let order: [Int]

    init(codes: [Int32], levels: Int) {
        var start = [Int](repeating: 0, count: levels + 1)
        for code in codes { start[Int(code) + 1] += 1 }
        for c in 0..<levels { start[c + 1] += start[c] }
        var order = [Int](repeating: 0, count: codes.count)
        var fill = start
        for (i, code) in codes.enumerated() {
            order[fill[Int(code)]] = i
            fill[Int(code)] += 1
        }
        self.start = start
        self.order = order
    }

    func rows(of level: Int) -> ArraySlice<Int> { order[start[level]..<start[level + 1]] }
}

extension Collection {
    /// The index of the first element satisfying `predicate`, for a collection partitioned so that
    /// every element failing it comes first (binary search).
    func partitioningIndex(where predicate: (Element) -> Bool) -> Index {
        var low = startIndex
        var count = self.count
        while count > 0 {
            let half = count / 2
            let middle = index(low, offsetBy: half)
            if predicate(self[middle]) {
                count = half
            } else {
                low = index(after: middle)
                count -= half + 1
            }
        }
        return low
    }
}
