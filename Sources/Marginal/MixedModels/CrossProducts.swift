/// The symmetric cross-product matrix A of [Z₁ Z₂ … Z_K X y], formed in one pass over the data
/// and laid out for the blocked Cholesky factor (Bates et al. 2015, §3; MixedModels.jl's
/// `BlockedSparse`/`UniformBlockDiagonal` layout, simplified to two levels):
///
/// - the first block Z₁ᵀZ₁ is block-diagonal: one S₁ × S₁ block per level of the first factor;
/// - the "trailing" part T = [Z₂ … Z_K X y] is held as one dense matrix AᵀT T, because after
///   eliminating the first factor its Schur complement fills in (crossed designs) or is small
///   (nested designs);
/// - the off-diagonal Tᵀ Z₁ is sparse: for level c of the first factor, only the trailing rows
///   that co-occur with c are nonzero. They are stored as a dense m_c × S₁ panel per level with
///   the list of its trailing row indices (sorted; the X and y rows are always present).
///
/// Nothing after this needs the n data rows again.
struct CrossProducts: Sendable {
    let n: Int
    /// p, the number of fixed-effect columns.
    let p: Int
    /// S₁ and ℓ₁ of the first block.
    let firstDimension: Int
    let firstLevels: Int
    /// Offset of trailing block k (k = 1..<K) within T; the X columns start at `fixedOffset`.
    let trailingOffsets: [Int]
    let fixedOffset: Int
    /// Size of T: Σ_{k≥1} ℓₖSₖ + p + 1.
    let trailingSize: Int
    /// For each row of T, the index of its random-effect block, or −1 for X and y rows.
    let blockOfTrailingRow: [Int32]

    /// Z₁ᵀZ₁: ℓ₁ blocks of S₁ × S₁, column-major, block c at c·S₁².
    var firstDiagonal: [Double]
    /// Panel c holds rows `panelRows[panelStart[c] ..< panelStart[c+1]]` of T.
    let panelStart: [Int]
    let panelRows: [Int32]
    /// Panel values: panel c is m_c × S₁ column-major starting at panelStart[c]·S₁.
    var panels: [Double]
    /// The panels transposed: for trailing row r, the panels that contain it and its position
    /// there, entries `rowEntryStart[r] ..< rowEntryStart[r+1]` of `rowEntryPanel` and
    /// `rowEntryPosition`. The downdate Σ_c L_T1,c L_T1,cᵀ is accumulated one column of the
    /// dense block at a time through this index, which keeps its writes in cache.
    let rowEntryStart: [Int]
    let rowEntryPanel: [Int32]
    let rowEntryPosition: [Int32]
    /// TᵀT, trailingSize², both triangles.
    var trailing: [Double]

    init(blocks: [RandomEffectBlock], x: Matrix, y: [Double]) {
        let n = y.count
        let p = x.columns
        let first = blocks[0]
        let s1 = first.dimension
        let l1 = first.levelCount
        self.n = n
        self.p = p
        self.firstDimension = s1
        self.firstLevels = l1

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

        // [X y] as one n × (p + 1) matrix.
        var xy = x.elements
        xy.append(contentsOf: y)

        // Rows of the data grouped by level of the first factor (counting sort).
        var levelStart = [Int](repeating: 0, count: l1 + 1)
        for code in first.codes { levelStart[Int(code) + 1] += 1 }
        for c in 0..<l1 { levelStart[c + 1] += levelStart[c] }
        var rowsByLevel = [Int](repeating: 0, count: n)
        var fill = levelStart
        for (i, code) in first.codes.enumerated() {
            rowsByLevel[fill[Int(code)]] = i
            fill[Int(code)] += 1
        }

        // Each row's trailing random-effect entries (row of T, z value), w per row, gathered
        // block by block once, so the loops below read flat arrays.
        let trailingBlocks = Array(blocks.dropFirst())
        let w = trailingBlocks.reduce(0) { $0 + $1.dimension }
        var entryRow = [Int](repeating: 0, count: n * w)
        var entryValue = [Double](repeating: 0, count: n * w)
        var entryColumn = 0
        for (k, block) in trailingBlocks.enumerated() {
            let codes = block.codes, z = block.z, s = block.dimension
            for i in 0..<n {
                let base = offsets[k] + Int(codes[i]) * s
                for t in 0..<s {
                    entryRow[i * w + entryColumn + t] = base + t
                    entryValue[i * w + entryColumn + t] = z[t, i]
                }
            }
            entryColumn += s
        }
        // Panels: the trailing rows touched by each level of the first factor.
        var panelStart = [0]
        var panelRows: [Int32] = []
        var mark = [Int](repeating: -1, count: dimT)
        var local = [Int](repeating: 0, count: dimT)
        var panels: [Double] = []
        var firstDiagonal = [Double](repeating: 0, count: l1 * s1 * s1)
        for c in 0..<l1 {
            let rows = rowsByLevel[levelStart[c]..<levelStart[c + 1]]
            var touched: [Int] = []
            for i in rows {
                for row in entryRow[(i * w)..<((i + 1) * w)] where mark[row] != c {
                    mark[row] = c
                    touched.append(row)
                }
            }
            touched.sort()
            touched.append(contentsOf: offset..<dimT)
            for (position, row) in touched.enumerated() { local[row] = position }
            let m = touched.count
            let valueStart = panels.count
            panels.append(contentsOf: repeatElement(0, count: m * s1))
            for i in rows {
                for a in 0..<s1 {
                    let za = first.z[a, i]
                    for b in 0..<s1 { firstDiagonal[c * s1 * s1 + a + b * s1] += za * first.z[b, i] }
                    let column = valueStart + a * m
                    for e in (i * w)..<((i + 1) * w) { panels[column + local[entryRow[e]]] += entryValue[e] * za }
                    for j in 0...p { panels[column + local[offset + j]] += xy[i + j * n] * za }
                }
            }
            panelRows.append(contentsOf: touched.map { Int32($0) })
            panelStart.append(panelRows.count)
        }
        var rowEntryStart = [Int](repeating: 0, count: dimT + 1)
        for row in panelRows { rowEntryStart[Int(row) + 1] += 1 }
        for r in 0..<dimT { rowEntryStart[r + 1] += rowEntryStart[r] }
        var rowEntryPanel = [Int32](repeating: 0, count: panelRows.count)
        var rowEntryPosition = [Int32](repeating: 0, count: panelRows.count)
        var next = rowEntryStart
        for c in 0..<l1 {
            for position in panelStart[c]..<panelStart[c + 1] {
                let row = Int(panelRows[position])
                rowEntryPanel[next[row]] = Int32(c)
                rowEntryPosition[next[row]] = Int32(position - panelStart[c])
                next[row] += 1
            }
        }
        self.rowEntryStart = rowEntryStart
        self.rowEntryPanel = rowEntryPanel
        self.rowEntryPosition = rowEntryPosition
        self.panelStart = panelStart
        self.panelRows = panelRows
        self.panels = panels
        self.firstDiagonal = firstDiagonal

        // TᵀT: random × random and random × [X y] by rows, [X y]ᵀ[X y] by BLAS.
        var trailing = [Double](repeating: 0, count: dimT * dimT)
        trailing.withUnsafeMutableBufferPointer { t in
            xy.withUnsafeBufferPointer { xyp in
                BLAS.syrkLower(
                    transpose: true, n: p + 1, k: n, alpha: 1, a: xyp.baseAddress!, lda: n, beta: 0,
                    c: t.baseAddress! + offset + offset * dimT, ldc: dimT)
            }
        }
        for i in 0..<n {
            let entries = (i * w)..<((i + 1) * w)
            for a in entries {
                let rowA = entryRow[a], valueA = entryValue[a]
                for b in entries where entryRow[b] <= rowA { trailing[rowA + entryRow[b] * dimT] += valueA * entryValue[b] }
                for j in 0...p { trailing[(offset + j) + rowA * dimT] += xy[i + j * n] * valueA }
            }
        }
        for j in 0..<dimT {
            for i in (j + 1)..<dimT { trailing[j + i * dimT] = trailing[i + j * dimT] }
        }
        self.trailing = trailing
    }

    /// Rows of T that hold the effects of random-effect block k (k ≥ 1).
    func trailingRange(ofBlock k: Int) -> Range<Int> {
        let start = trailingOffsets[k - 1]
        return start..<(k < trailingOffsets.count ? trailingOffsets[k] : fixedOffset)
    }

    /// Number of rows m_c of panel c.
    func panelHeight(_ c: Int) -> Int { panelStart[c + 1] - panelStart[c] }
}
