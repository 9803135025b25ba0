// libFuzzer target: the CSV reader on arbitrary bytes, and the writer's round trip.
//
// Any input may be refused (a DataError), but none may crash or hang the reader. When an input
// reads, the frame written by CSVWriter must read back to the same frame: the same column names,
// the same column types, the same levels and codes, the same missing entries and the same numbers
// (bit for bit; NaN as NaN; `FuzzShared.difference`). Built by `make fuzz` (see Fuzz/README.md).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Marginal

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    guard let frame = try? CSVReader.read(bytes: bytes) else { return 0 }
    let text = CSVWriter.text(frame)
    let again: DataFrame
    do {
        again = try CSVReader.read(bytes: Array(text.utf8))
    } catch {
        fail("the written CSV does not read back: \(error)\n--- written ---\n\(text)")
    }
    guard FuzzShared.utf8(frame.names) == FuzzShared.utf8(again.names) else {
        fail("names differ: \(frame.names) → \(again.names)\n--- written ---\n\(text)")
    }
    guard frame.rowCount == again.rowCount else {
        fail("row count differs: \(frame.rowCount) → \(again.rowCount)\n--- written ---\n\(text)")
    }
    for (index, (before, after)) in zip(frame.columns, again.columns).enumerated() {
        if let difference = FuzzShared.difference(before, after) {
            fail("column \(index) '\(frame.names[index])': \(difference)\n--- written ---\n\(text)")
        }
    }
    return 0
}

func fail(_ message: String) -> Never {
    let text = Array("CSV round trip failed: \(message)\n".utf8)
    _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    abort()
}
