import PropertyBased
import Testing
@testable import Marginal

/// Reads bytes and checks the frame's invariants; a `DataError` is an acceptable outcome,
/// a crash is not (the error type is guaranteed by `throws(DataError)`).
private func readAndCheckInvariants(_ bytes: [UInt8]) {
    let frame: DataFrame
    do {
        frame = try CSVReader.read(bytes: bytes)
    } catch {
        return
    }
    #expect(frame.rowCount >= 1)
    #expect(!frame.names.contains(""))
    #expect(Set(frame.names).count == frame.names.count)
    for column in frame.columns {
        #expect(column.count == frame.rowCount)
        switch column {
        case .numeric(let numeric):
            #expect(numeric.values.count == numeric.missing.count)
        case .categorical(let categorical):
            #expect(categorical.codes.allSatisfy { $0 >= -1 && Int($0) < categorical.levels.count })
            #expect(Set(categorical.levels).count == categorical.levels.count)
        }
    }
}

/// Pieces from which "almost CSV" text is assembled: structure bytes, text, numbers,
/// missing tokens, and a multi-byte character (cut in half by some pieces).
private let almostCSVPieces: [[UInt8]] = [
    [0x2C], [0x22], [0x22, 0x22], [0x0D], [0x0A], [0x0D, 0x0A], [0x20],
    Array("a".utf8), Array("B".utf8), Array("1".utf8), Array("2.5".utf8), Array("-".utf8),
    Array("e".utf8), Array("NA".utf8), Array("Inf".utf8), Array("é".utf8), [0xC3], [0xEF, 0xBB, 0xBF],
]

/// Writes one field as RFC 4180 CSV: quoted when it holds a comma, quote, CR or LF, or is empty.
private func encodeField(_ text: String) -> String {
    // Checked on bytes: as Characters, "\r\n" is one grapheme that equals neither "\r" nor "\n".
    let needsQuotes = text.isEmpty || text.utf8.contains(where: { Array(",\"\r\n".utf8).contains($0) })
    guard needsQuotes else { return text }
    return "\"" + text.map { $0 == "\"" ? "\"\"" : String($0) }.joined() + "\""
}

@Suite struct CSVPropertyTests {
    @Test func randomBytesNeverCrash() async {
        await propertyCheck(count: 500, input: Gen<UInt8>.value(in: 0...255).array(of: 0...200)) { bytes in
            readAndCheckInvariants(bytes)
        }
    }

    @Test func almostCSVNeverCrashes() async {
        let text = Gen.int(in: almostCSVPieces.indices).array(of: 0...80).map { $0.flatMap { almostCSVPieces[$0] } }
        await propertyCheck(count: 1000, input: text) { bytes in
            readAndCheckInvariants(bytes)
        }
    }

    /// Almost-CSV records after a valid header: errors then come from the records.
    @Test func almostCSVRecordsNeverCrash() async {
        let text = Gen.int(in: almostCSVPieces.indices).array(of: 0...40).map { $0.flatMap { almostCSVPieces[$0] } }
        await propertyCheck(count: 1000, input: text) { bytes in
            readAndCheckInvariants(Array("a,1\n".utf8) + bytes)
        }
    }

    /// Any table of texts, written as CSV with RFC 4180 quoting and read back with every
    /// column as a factor and no missing tokens, gives back exactly the texts.
    @Test func writtenTablesReadBack() async {
        let pieces = ["a", "b", ",", "\"", "\r", "\n", "\r\n", " ", "1", "NA", "é"]
        let cell = Gen.int(in: pieces.indices).array(of: 0...4).map { $0.map { pieces[$0] }.joined() }
        let table = Gen.int(in: 1...4).array(of: 1...3)  // column count from the first entry
        await propertyCheck(count: 300, input: table, cell.array(of: 1...24)) { shape, cells in
            let columns = shape[0]
            let rows = max(1, cells.count / columns)
            let body = (0..<rows).map { row in
                (0..<columns).map { column in cells[(row * columns + column) % cells.count] }
            }
            let names = (0..<columns).map { "c\($0)" }
            var text = names.joined(separator: ",") + "\n"
            for record in body {
                text += record.map(encodeField).joined(separator: ",") + "\r\n"
            }
            var options = CSVOptions()
            options.factorColumns = Set(names)
            options.missingTokens = []
            let frame = try CSVReader.read(bytes: Array(text.utf8), options: options)
            #expect(frame.names == names)
            for (index, name) in names.enumerated() {
                guard case .categorical(let column) = try frame.column(name) else {
                    Issue.record("\(name) should be categorical")
                    continue
                }
                let labels = column.codes.map { column.levels[Int($0)] }
                #expect(labels == body.map { $0[index] })
            }
        }
    }

    /// Every finite double, written in Swift's shortest round-trip form, is read back exactly.
    @Test func numbersRoundTripExactly() async {
        let finite = Gen<UInt64>.value(in: 0...UInt64.max).array(of: 1...50)
            .map { $0.map { Double(bitPattern: $0) }.filter(\.isFinite) }
        await propertyCheck(count: 200, input: finite) { values in
            guard !values.isEmpty else { return }
            let text = "x\n" + values.map { "\($0)" }.joined(separator: "\n")
            let frame = try CSVReader.read(bytes: Array(text.utf8))
            guard case .numeric(let column) = try frame.column("x") else {
                Issue.record("x should be numeric")
                return
            }
            #expect(column.values.map(\.bitPattern) == values.map(\.bitPattern))
        }
    }

    /// Short decimal texts (the fast path and its edges) agree with the standard library's
    /// correctly rounded conversion.
    @Test func decimalTextsMatchTheStandardLibrary() async {
        let digits = Gen.int(in: 0...9).array(of: 1...24).map { $0.map(String.init).joined() }
        let exponent = Gen.int(in: -30...30)
        await propertyCheck(count: 500, input: digits, digits, exponent) { whole, fraction, power in
            let text = "\(whole).\(fraction)e\(power)"
            let parsed = Array(text.utf8).withUnsafeBufferPointer { NumberParser.parse($0) }
            #expect(parsed == .number(Double(text) ?? .nan), "\(text)")
        }
    }
}
