import Foundation
@testable import Marginal

/// Data frames for the formula tests: the bundled example CSVs, read by a simple splitter
/// (they have no commas or quotes inside fields: quoted fields are categorical, the rest
/// numeric), and a small hand-made frame whose model matrices were computed with R.
enum FormulaTestData {
    /// The repository's Examples folder, found from this file's path.
    static let examplesDirectory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Examples")

    /// Reads Examples/`name`.csv. Columns in `factors` are categorical even when unquoted.
    static func example(_ name: String, factors: Set<String> = [], levelOrders: [String: [String]] = [:]) throws -> DataFrame {
        let text = try String(contentsOf: examplesDirectory.appendingPathComponent("\(name).csv"), encoding: .utf8)
        let lines = text.split(whereSeparator: \.isNewline).map(String.init)
        let header = lines[0].split(separator: ",").map { unquote(String($0)).text }
        let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map { unquote(String($0)) } }
        var pairs: [(String, Column)] = []
        for (j, name) in header.enumerated() {
            let fields = rows.map { $0[j] }
            if fields.contains(where: \.quoted) || factors.contains(name) || levelOrders[name] != nil {
                var column = CategoricalColumn(labels: fields.map { $0.text == "NA" ? nil : $0.text })
                if let order = levelOrders[name], let reordered = column.reordered(levels: order) { column = reordered }
                pairs.append((name, .categorical(column)))
            } else {
                let values = fields.map { Double($0.text) ?? .nan }
                pairs.append((name, .numeric(NumericColumn(values: values, missing: fields.map { $0.text == "NA" }))))
            }
        }
        return try DataFrame(pairs)
    }

    private static func unquote(_ field: String) -> (text: String, quoted: Bool) {
        if field.count >= 2, field.hasPrefix("\""), field.hasSuffix("\"") {
            return (String(field.dropFirst().dropLast()), true)
        }
        return (field, false)
    }

    /// Eight rows: y, a (p/q), b (u/v/w), x, z. Every a×b combination occurs.
    static func small() throws -> DataFrame {
        try DataFrame([
            ("y", .numeric(NumericColumn([3.1, 4.2, 2.5, 6.0, 5.5, 7.25, 1.0, 8.5]))),
            ("a", .categorical(CategoricalColumn(labels: ["p", "q", "p", "q", "p", "q", "p", "q"]))),
            ("b", .categorical(CategoricalColumn(labels: ["u", "u", "v", "v", "w", "w", "u", "v"]))),
            ("x", .numeric(NumericColumn([1, 2, 3, 4, 5, 6, 7, 9]))),
            ("z", .numeric(NumericColumn([0.5, 1.5, -1, 2, 0, 3, 1, -2]))),
        ])
    }

    /// The rows of a design's X, for comparing with R's printed model matrices.
    static func rows(_ matrix: Matrix) -> [[Double]] {
        (0..<matrix.rows).map { i in (0..<matrix.columns).map { matrix[i, $0] } }
    }

    /// Whether two tables agree to a relative tolerance.
    static func close(_ a: [[Double]], _ b: [[Double]], tolerance: Double = 1e-12) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { r, s in
            r.count == s.count && zip(r, s).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($1)) }
        }
    }
}
