// What the fuzz targets (Fuzz/*/main.swift) and FuzzRegressionTests share: the formula target's
// data frame and input decoding, and the CSV round trip's comparison of columns. Fuzz/build.sh
// compiles this file into each target; it uses only Marginal's public API.
import Marginal

enum FuzzShared {
    /// The formula target's twelve rows: y, x, z, w (numeric; w positive, z with a missing entry),
    /// g and h crossed factors, f nested in g, k a factor with one level.
    static func formulaFrame() throws -> DataFrame {
        try DataFrame([
            ("y", .numeric(NumericColumn([3.1, 4.2, 2.5, 6.0, 5.5, 7.25, 1.0, 8.5, 2.2, 3.3, 9.1, 0.4]))),
            ("x", .numeric(NumericColumn([1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13]))),
            ("z", .numeric(NumericColumn(values: [0.5, 1.5, -1, 2, 0, 3, 1, -2, 0.25, 0, -0.5, 4],
                                         missing: [false, false, false, false, false, false, false, false, false, true, false, false]))),
            ("w", .numeric(NumericColumn([1, 0.5, 2, 1, 1, 3, 0.25, 1, 2, 1, 1, 1.5]))),
            ("g", .categorical(CategoricalColumn(labels: ["a", "a", "a", "a", "b", "b", "b", "b", "c", "c", "c", "c"]))),
            ("h", .categorical(CategoricalColumn(labels: ["u", "v", "w", "u", "v", "w", "u", "v", "w", "u", "v", "w"]))),
            ("f", .categorical(CategoricalColumn(labels: ["1", "1", "2", "2", "1", "1", "2", "2", "1", "1", "2", "2"]))),
            ("k", .categorical(CategoricalColumn(labels: Array(repeating: "only", count: 12)))),
        ])
    }

    /// A formula target input: when the first byte is not printable it chooses the options (bit 0
    /// weights = w, bit 1 offset = x, bit 2 sum contrasts); the rest is the formula, as UTF-8.
    static func formulaInput(_ bytes: [UInt8]) -> (formula: String, options: DesignOptions) {
        var options = DesignOptions()
        var text = bytes[...]
        if let first = text.first, first < 0x20 {
            text = text.dropFirst()
            if first & 1 != 0 { options.weights = "w" }
            if first & 2 != 0 { options.offset = "x" }
            if first & 4 != 0 { options.defaultContrast = .sum }
        }
        return (String(decoding: text, as: UTF8.self), options)
    }

    /// How two columns differ, or nil when they hold the same cells: the same missing entries and
    /// numbers bit for bit (NaN as NaN), or the same levels (byte for byte) and codes.
    static func difference(_ a: Column, _ b: Column) -> String? {
        switch (a, b) {
        case (.numeric(let x), .numeric(let y)):
            guard x.missing == y.missing else { return "missing entries differ" }
            for row in x.values.indices where !x.missing[row] {
                let (u, v) = (x.values[row], y.values[row])
                if u.isNaN && v.isNaN { continue }
                if u.bitPattern != v.bitPattern { return "row \(row): \(u) → \(v)" }
            }
            return nil
        case (.categorical(let x), .categorical(let y)):
            guard utf8(x.levels) == utf8(y.levels) else { return "levels \(x.levels) → \(y.levels)" }
            guard x.codes == y.codes else { return "codes differ" }
            return nil
        default:
            return "type changed: \(a) → \(b)"
        }
    }

    /// Names compared byte for byte (String's == identifies canonically equivalent spellings).
    static func utf8(_ names: [String]) -> [[UInt8]] { names.map { Array($0.utf8) } }
}
