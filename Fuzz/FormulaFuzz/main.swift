// libFuzzer target: a formula (arbitrary bytes, read as UTF-8) and a small fixed data frame →
// ModelDesign: the parser, the term expansion and the model-matrix build. Any formula may be
// refused (a FormulaError), but none may crash, trap or hang. Built by `make fuzz`
// (see Fuzz/README.md).
import Marginal

/// The twelve rows of ``FuzzShared/formulaFrame()``.
let frame: DataFrame? = try? FuzzShared.formulaFrame()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFormula(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let frame else { return 0 }
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let input = FuzzShared.formulaInput(bytes)
    _ = try? ModelDesign(formula: input.formula, data: frame, options: input.options)
    return 0
}
