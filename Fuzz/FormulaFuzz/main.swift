// libFuzzer target: a formula (arbitrary bytes, read as UTF-8) and a small fixed data frame →
// ModelDesign: the parser, the term expansion and the model-matrix build. Any formula may be
// refused (a FormulaError), but none may crash, trap or hang. Built by `make fuzz`
// (see Fuzz/README.md).
import Marginal

/// Twelve rows: y, x, z, w (numeric; w positive, z with a missing entry), g and h crossed
/// factors, f nested in g, k a factor with one level.
let frame: DataFrame? = try? DataFrame([
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

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFormula(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let frame else { return 0 }
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    // The first byte, when it is not printable, chooses the options; the rest is the formula.
    var options = DesignOptions()
    var text = bytes[...]
    if let first = text.first, first < 0x20 {
        text = text.dropFirst()
        if first & 1 != 0 { options.weights = "w" }
        if first & 2 != 0 { options.offset = "x" }
        if first & 4 != 0 { options.defaultContrast = .sum }
    }
    _ = try? ModelDesign(formula: String(decoding: text, as: UTF8.self), data: frame, options: options)
    return 0
}
