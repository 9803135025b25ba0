import Foundation
import Marginal
import Testing

/// The fuzz targets' checks (Fuzz/README.md) on every input kept in the repository: the seeds and
/// the regressions (inputs that once crashed or failed a check, added when fixed). `make fuzz`
/// explores further; this replays the known inputs in `swift test`, without libFuzzer.
@Suite struct FuzzRegressionTests {
    static let fuzzFolder = CommandLineTests.repository.appendingPathComponent("Fuzz")

    /// The files in Fuzz/`target`/seeds and Fuzz/`target`/regressions.
    static func inputs(_ target: String) throws -> [URL] {
        var files: [URL] = []
        for folder in ["seeds", "regressions"] {
            let url = fuzzFolder.appendingPathComponent(target).appendingPathComponent(folder)
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: url.path) else { continue }
            files += names.filter { !$0.hasPrefix(".") }.sorted().map { url.appendingPathComponent($0) }
        }
        return files
    }

    @Test func csvInputsReadOrAreRefusedAndRoundTrip() throws {
        let files = try Self.inputs("CSVFuzz")
        #expect(!files.isEmpty)
        for file in files {
            let bytes = [UInt8](try Data(contentsOf: file))
            guard let frame = try? CSVReader.read(bytes: bytes) else { continue }
            let text = CSVWriter.text(frame)
            let again = try CSVReader.read(bytes: Array(text.utf8))
            #expect(frame.names.map { Array($0.utf8) } == again.names.map { Array($0.utf8) }, "\(file.lastPathComponent)")
            #expect(frame.rowCount == again.rowCount, "\(file.lastPathComponent)")
            for (index, (before, after)) in zip(frame.columns, again.columns).enumerated() {
                #expect(Self.sameCells(before, after), "\(file.lastPathComponent): column \(index) '\(frame.names[index])'")
            }
        }
    }

    @Test func formulaInputsBuildOrAreRefused() throws {
        let files = try Self.inputs("FormulaFuzz")
        #expect(!files.isEmpty)
        let frame = try Self.formulaFrame()
        var built = 0
        for file in files {
            let bytes = [UInt8](try Data(contentsOf: file))
            var options = DesignOptions()
            var text = bytes[...]
            if let first = text.first, first < 0x20 {
                text = text.dropFirst()
                if first & 1 != 0 { options.weights = "w" }
                if first & 2 != 0 { options.offset = "x" }
                if first & 4 != 0 { options.defaultContrast = .sum }
            }
            if (try? ModelDesign(formula: String(decoding: text, as: UTF8.self), data: frame, options: options)) != nil { built += 1 }
        }
        // The seeds are mostly valid formulas: the frame matches the target's.
        #expect(built >= 10)
    }

    /// Found by FormulaFuzz: `(1 | x/h/f/x/…)` nested 750 deep rebuilt every nested factor from
    /// the columns for each level (quadratic: 12 s in the fuzz build, over libFuzzer's 10 s
    /// limit). Each factor is now built once; the whole design takes a fraction of a second.
    @Test func deepNestedGroupingIsFast() throws {
        let file = Self.fuzzFolder.appendingPathComponent("FormulaFuzz/regressions/deep-nested-grouping-timeout.txt")
        let bytes = [UInt8](try Data(contentsOf: file))
        let text = String(decoding: bytes.dropFirst(), as: UTF8.self) // first byte 0x01: weights = w
        let frame = try Self.formulaFrame()
        let start = Date()
        let design = try? ModelDesign(formula: text, data: frame, options: DesignOptions(weights: "w"))
        let seconds = Date().timeIntervalSince(start)
        #expect(seconds < 2, "\(seconds) s")
        #expect(design == nil || design?.randomEffects.isEmpty == false)
    }

    /// Whether two columns hold the same cells (numbers bit for bit, NaN as NaN).
    static func sameCells(_ a: Column, _ b: Column) -> Bool {
        switch (a, b) {
        case (.numeric(let x), .numeric(let y)):
            return x.missing == y.missing && x.values.indices.allSatisfy { row in
                x.missing[row] || (x.values[row].isNaN && y.values[row].isNaN) || x.values[row].bitPattern == y.values[row].bitPattern
            }
        case (.categorical(let x), .categorical(let y)):
            return x.levels.map { Array($0.utf8) } == y.levels.map { Array($0.utf8) } && x.codes == y.codes
        default:
            return false
        }
    }

    /// The frame of Fuzz/FormulaFuzz/main.swift.
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
}
