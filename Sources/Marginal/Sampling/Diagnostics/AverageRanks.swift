/// Ranks 1…S of a sequence with ties given the average of the ranks they span (R's
/// `rank(ties.method = "average")`).
enum AverageRanks {
    static func of(_ x: [Double]) -> [Double] {
        let order = x.indices.sorted { x[$0] < x[$1] }
        var ranks = [Double](repeating: 0, count: x.count)
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count, x[order[end]] == x[order[start]] { end += 1 }
            // Positions start..<end hold equal values: ranks start+1 … end, average (start+1+end)/2.
            let rank = Double(start + 1 + end) / 2
            for k in start..<end { ranks[order[k]] = rank }
            start = end
        }
        return ranks
    }
}
