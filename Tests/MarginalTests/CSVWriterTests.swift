import Foundation
import PropertyBased
import Testing
@testable import Marginal

@Suite struct CSVWriterTests {
    static func sampleFrame() throws -> DataFrame {
        try DataFrame([
            ("x", .numeric(NumericColumn(values: [0.1, 1e-05, 3, -2.5, .nan, -.infinity, .nan],
                                         missing: [false, false, false, false, false, false, true]))),
            ("label, quoted", .categorical(CategoricalColumn(
                codes: [0, 1, 2, 3, 4, 5, -1],
                levels: ["plain", "a,b", "say \"hi\"", "two\nlines", " lead", "NA"]))),
        ])
    }

    @Test func writesNumbersLabelsAndMissingValues() throws {
        let expected = #"""
            x,"label, quoted"
            0.1,plain
            1e-05,"a,b"
            3.0,"say ""hi"""
            -2.5,"two
            lines"
            NaN," lead"
            -Inf,"NA"
            NA,NA

            """#
        #expect(CSVWriter.text(try Self.sampleFrame()) == expected)
    }

    @Test func emptyLabelIsQuotedSoItIsNotReadAsMissing() throws {
        let frame = try DataFrame([("g", .categorical(CategoricalColumn(codes: [0, 1], levels: ["", "trailing "])))])
        #expect(CSVWriter.text(frame) == "g\n\"\"\n\"trailing \"\n")
    }

    @Test func leadingByteOrderMarkInANameRoundTrips() throws {
        let frame = try DataFrame([("\u{FEFF}y", .numeric(NumericColumn([1, 2]))), ("g", .categorical(CategoricalColumn(labels: ["\u{FEFF}a", "b"])))])
        let back = try CSVReader.read(bytes: Array(CSVWriter.text(frame).utf8))
        #expect(back.names == frame.names)
        #expect(back == frame)
    }

    @Test func numbersReadBackExactly() async {
        await propertyCheck(count: 200, input: Gen.double(in: -1e300...1e300), Gen.int(in: -300...300)) { mantissa, exponent in
            let value = mantissa * pow(10, Double(exponent)) / 1e300
            guard value.isFinite else { return }
            var bytes: [UInt8] = []
            CSVWriter.appendNumber(value, to: &bytes)
            #expect(Double(String(decoding: bytes, as: UTF8.self)) == value)
        }
        for value in [Double.leastNonzeroMagnitude, .greatestFiniteMagnitude, 0.1 + 0.2, -0.0, 1.0 / 3] {
            var bytes: [UInt8] = []
            CSVWriter.appendNumber(value, to: &bytes)
            #expect(Double(String(decoding: bytes, as: UTF8.self)) == value)
        }
    }

    @Test func writesTheFileAtomically() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("csvwriter-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("out.csv").path
        try "old contents".write(toFile: path, atomically: false, encoding: .utf8)

        let frame = try Self.sampleFrame()
        try CSVWriter.write(frame, toPath: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == CSVWriter.text(frame))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["out.csv"])
    }

    @Test func largeFramesAreWrittenInChunksWithoutLoss() throws {
        let frame = try GroupedSimulation(seed: 2).generate().frame
        var chunks = 0
        var bytes: [UInt8] = []
        CSVWriter.encode(frame, chunkSize: 4096) { chunk in
            chunks += 1
            bytes.append(contentsOf: chunk)
        }
        #expect(chunks > 100)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text == CSVWriter.text(frame))
        let lines = text.split(separator: "\n")
        #expect(lines.count == 20_001)
        #expect(lines.first == "y,x1,x2,g")
        guard case .numeric(let y) = try frame.column("y") else { return }
        let lastFields = lines.last?.split(separator: ",") ?? []
        #expect(lastFields.count == 4 && Double(String(lastFields[0])) == y.values.last)
        #expect(lastFields.last == "1000")
    }

    @Test func missingFolderIsATypedError() throws {
        let path = "/nonexistent-\(UUID().uuidString)/out.csv"
        #expect(throws: CSVWriteError.cannotCreate(path: path, reason: "No such file or directory")) {
            try CSVWriter.write(try Self.sampleFrame(), toPath: path)
        }
    }
}
