/// The cross products Z_aᵀZ_b of two grouping factors' columns, stored by the pairs of levels that
/// share a data row (compressed rows over a's levels): for level i of a, the levels j of b that
/// occur with it and the S_a × S_b block Σ_{n in i and j} z_a,n z_b,nᵀ of each. With a = b the
/// pairs are (i, i), the per-level Gram matrices Z_aiᵀZ_ai.
///
/// A density that samples a's effects and integrates b's out reads the rows through these
/// products only (``SubsetMarginalizedDensity``): its products with a vector of effects are
/// gathers over the pairs, at most one per data row and often far fewer (InstEval's 73,421 rows
/// hold 16,255 student × department-service pairs), with no residual vector to store and no
/// scatter into sums that neighbouring rows share.
///
/// a's levels are stored in the order of their number of pairs, so that the products' loops over
/// a level's pairs run the same number of times for long stretches of levels: the branch
/// predictor then learns where they end, which with levels in their own order (InstEval's
/// students hold from 1 to 60 lecturers) it misses once per level, a quarter of the gathers' time.
struct CrossTabulation: Sendable {
    let levels: Int
    let rowDimension: Int
    let columnDimension: Int
    /// a's level stored i-th, whose pairs are at `start[i]..<start[i + 1]`: b's level and the
    /// S_a·S_b values of the block (column-major) at entry·S_a·S_b.
    let target: [Int32]
    let start: [Int]
    let column: [Int32]
    let values: [Double]
    /// One column each and every value 1 (two random intercepts that share at most one row per
    /// pair of levels): the products then read the levels alone.
    let unitValues: Bool
    /// With unit values and at least ``paddingRun`` pairs per level on average, each level's pairs
    /// are padded to a multiple of four with b's level count, which indexes the zero that the
    /// products' x then holds after b's effects: the gathers run four at a time with no remainder
    /// loop, whose exit, at a different count for every level, the branch predictor misses.
    let padded: Bool
    static let paddingRun = 8

    /// Z_aᵀZ_b for engine blocks `a` and `b` of `rows`.
    init(rows: MixedModelRows, a: Int, b: Int) {
        let left = rows.blocks[a], right = rows.blocks[b]
        let sa = left.dimension, sb = right.dimension
        let n = rows.n
        levels = left.levelCount
        rowDimension = sa
        columnDimension = sb
        let rowOrder = MixedModelRows.stableOrder(codes: Array(left.codes.prefix(n)), levelCount: left.levelCount)
        var start = [Int](repeating: 0, count: left.levelCount + 1)
        var column: [Int32] = []
        var values: [Double] = []
        // Where each level of b sits among the current level's pairs (−1: not yet).
        var slot = [Int](repeating: -1, count: right.levelCount)
        var position = 0
        for level in 0..<left.levelCount {
            let first = column.count
            while position < n, Int(left.codes[rowOrder[position]]) == level {
                let row = rowOrder[position]
                let j = Int(right.codes[row])
                if slot[j] < 0 {
                    slot[j] = column.count
                    column.append(Int32(j))
                    values.append(contentsOf: repeatElement(0, count: sa * sb))
                }
                let base = slot[j] * sa * sb
                for c in 0..<sb {
                    for r in 0..<sa { values[base + r + c * sa] += left.z[row * sa + r] * right.z[row * sb + c] }
                }
                position += 1
            }
            for entry in first..<column.count { slot[Int(column[entry])] = -1 }
            start[level + 1] = column.count
        }
        let unit = sa == 1 && sb == 1 && values.allSatisfy { $0 == 1 }
        unitValues = unit
        padded = unit && column.count >= Self.paddingRun * left.levelCount
        // Levels by their number of pairs (rounded up to four when padded), ties in level order.
        let width = padded ? 4 : 1
        let stored = (0..<left.levelCount).map { (start[$0 + 1] - start[$0] + width - 1) / width }
        let order = (0..<left.levelCount).sorted { stored[$0] != stored[$1] ? stored[$0] < stored[$1] : $0 < $1 }
        target = order.map(Int32.init)
        var sortedStart = [0]
        var sortedColumn: [Int32] = []
        var sortedValues: [Double] = []
        sortedColumn.reserveCapacity(stored.reduce(0, +) * width)
        sortedValues.reserveCapacity(values.count)
        for level in order {
            sortedColumn.append(contentsOf: column[start[level]..<start[level + 1]])
            if padded {
                while sortedColumn.count % 4 != 0 { sortedColumn.append(Int32(right.levelCount)) }
            } else {
                sortedValues.append(contentsOf: values[(start[level] * sa * sb)..<(start[level + 1] * sa * sb)])
            }
            sortedStart.append(sortedColumn.count)
        }
        self.start = sortedStart
        self.column = sortedColumn
        self.values = unit ? [] : sortedValues
    }

    /// y ← y + sign · (Z_aᵀZ_b) x for x over b's effects (ℓ_b·S_b, level-major, then a zero when
    /// ``padded``) and y over a's.
    func accumulateProduct(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, sign: Double) {
        let sa = rowDimension, sb = columnDimension
        target.withUnsafeBufferPointer { tp in
            start.withUnsafeBufferPointer { sp in
                column.withUnsafeBufferPointer { cp in
                    values.withUnsafeBufferPointer { vp in
                        let targets = tp.baseAddress!, starts = sp.baseAddress!, columns = cp.baseAddress!, v = vp.baseAddress!
                        // Four partial sums, so that the gathers' additions do not wait on each other.
                        if padded {
                            for stored in 0..<levels {
                                var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
                                var entry = starts[stored]
                                let end = starts[stored + 1]
                                while entry < end {
                                    s0 += x[Int(columns[entry])]
                                    s1 += x[Int(columns[entry + 1])]
                                    s2 += x[Int(columns[entry + 2])]
                                    s3 += x[Int(columns[entry + 3])]
                                    entry += 4
                                }
                                y[Int(targets[stored])] += sign * ((s0 + s1) + (s2 + s3))
                            }
                            return
                        }
                        if unitValues {
                            for stored in 0..<levels {
                                var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
                                var entry = starts[stored]
                                let end = starts[stored + 1]
                                while entry + 4 <= end {
                                    s0 += x[Int(columns[entry])]
                                    s1 += x[Int(columns[entry + 1])]
                                    s2 += x[Int(columns[entry + 2])]
                                    s3 += x[Int(columns[entry + 3])]
                                    entry += 4
                                }
                                while entry < end {
                                    s0 += x[Int(columns[entry])]
                                    entry += 1
                                }
                                y[Int(targets[stored])] += sign * ((s0 + s1) + (s2 + s3))
                            }
                            return
                        }
                        if sa == 1 && sb == 1 {
                            for stored in 0..<levels {
                                var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
                                var entry = starts[stored]
                                let end = starts[stored + 1]
                                while entry + 4 <= end {
                                    s0 += v[entry] * x[Int(columns[entry])]
                                    s1 += v[entry + 1] * x[Int(columns[entry + 1])]
                                    s2 += v[entry + 2] * x[Int(columns[entry + 2])]
                                    s3 += v[entry + 3] * x[Int(columns[entry + 3])]
                                    entry += 4
                                }
                                while entry < end {
                                    s0 += v[entry] * x[Int(columns[entry])]
                                    entry += 1
                                }
                                y[Int(targets[stored])] += sign * ((s0 + s1) + (s2 + s3))
                            }
                            return
                        }
                        for stored in 0..<levels {
                            let out = y + Int(targets[stored]) * sa
                            for entry in starts[stored]..<starts[stored + 1] {
                                let block = v + entry * sa * sb
                                let xj = x + Int(columns[entry]) * sb
                                for c in 0..<sb {
                                    let value = sign * xj[c]
                                    for r in 0..<sa { out[r] += block[r + c * sa] * value }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
