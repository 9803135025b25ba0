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
            #expect(FuzzShared.utf8(frame.names) == FuzzShared.utf8(again.names), "\(file.lastPathComponent)")
            #expect(frame.rowCount == again.rowCount, "\(file.lastPathComponent)")
            for (index, (before, after)) in zip(frame.columns, again.columns).enumerated() {
                let difference = FuzzShared.difference(before, after)
                #expect(difference == nil, "\(file.lastPathComponent): column \(index) '\(frame.names[index])': \(difference ?? "")")
            }
        }
    }

    @Test func formulaInputsBuildOrAreRefused() throws {
        let files = try Self.inputs("FormulaFuzz")
        #expect(!files.isEmpty)
        let frame = try FuzzShared.formulaFrame()
        var built = 0
        for file in files {
            let input = FuzzShared.formulaInput([UInt8](try Data(contentsOf: file)))
            if (try? ModelDesign(formula: input.formula, data: frame, options: input.options)) != nil { built += 1 }
        }
        // The seeds are mostly valid formulas: the frame matches the target's.
        #expect(built >= 10)
    }

    /// Found by FormulaFuzz: `(1 | x/h/f/x/…)` nested 750 deep rebuilt every nested factor from
    /// the columns for each level (quadratic: 12 s in the fuzz build, over libFuzzer's 10 s
    /// limit). Each factor is now built once; the whole design takes a fraction of a second. The
    /// bound guards against the quadratic rebuild coming back, not a speed goal: 30 s stays far
    /// above the linear build on a loaded machine and far below the quadratic one (minutes in a
    /// debug build).
    @Test func deepNestedGroupingIsFast() throws {
        let file = Self.fuzzFolder.appendingPathComponent("FormulaFuzz/regressions/deep-nested-grouping-timeout.txt")
        let input = FuzzShared.formulaInput([UInt8](try Data(contentsOf: file)))
        #expect(input.options.weights == "w")
        let frame = try FuzzShared.formulaFrame()
        let start = Date()
        let design = try? ModelDesign(formula: input.formula, data: frame, options: input.options)
        let seconds = Date().timeIntervalSince(start)
        #expect(seconds < 30, "\(seconds) s")
        #expect(design == nil || design?.randomEffects.isEmpty == false)
    }
}
