/// A plain-text table with right-aligned numeric columns, as R prints matrices.
struct TextTable {
    var header: [String]
    var rows: [[String]]
    /// Columns aligned left (the others are right-aligned).
    var leftAligned: Set<Int> = [0]

    func render(indent: String = "") -> String {
        let all = [header] + rows
        let widths = (0..<header.count).map { j in all.map { j < $0.count ? $0[j].count : 0 }.max() ?? 0 }
        return all.map { row in
            let cells = row.enumerated().map { j, cell in
                let pad = String(repeating: " ", count: max(0, widths[j] - cell.count))
                return leftAligned.contains(j) ? cell + pad : pad + cell
            }
            return indent + cells.joined(separator: " ")
        }.map { $0.trimmingTrailingSpaces() }.joined(separator: "\n")
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
