import Foundation
import Marginal

/// Data files shared by the benchmarks, generated once by the simulator into a cache folder
/// (never committed): `$MARGINAL_BENCH_CACHE`, else `$TMPDIR/marginal-bench`, else
/// `/tmp/marginal-bench`. Delete the folder to regenerate.
enum BenchmarkData {
    static var cacheDirectory: String {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["MARGINAL_BENCH_CACHE"], !path.isEmpty { return path }
        let temporary = environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        return (temporary as NSString).appendingPathComponent("marginal-bench")
    }

    /// A 1,000,000-row CSV file with three numeric columns (y, x1, x2) and three categorical
    /// ones (s: 40,479 levels, d: 4,163, dept: 28), from the InstEval-shaped simulation scaled
    /// to a million rows plus two standard-normal covariates. Written on first use (71 MB).
    static func millionRowCSV() throws -> String {
        let path = (cacheDirectory as NSString).appendingPathComponent("csv-1000000x6-seed1-v1.csv")
        if FileManager.default.fileExists(atPath: path) { return path }
        try FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
        try CSVWriter.write(millionRowFrame(), toPath: path)
        return path
    }

    /// The frame behind ``millionRowCSV()``.
    static func millionRowFrame() throws -> DataFrame {
        let design = try InstEvalSimulation.scaled(rows: 1_000_000, seed: 1).generate().frame
        var covariates = RandomSource(seed: 2)
        let x1 = (0..<design.rowCount).map { _ in covariates.normal() }
        let x2 = (0..<design.rowCount).map { _ in covariates.normal() }
        return try DataFrame([
            ("y", design.column("y")),
            ("x1", .numeric(NumericColumn(x1))),
            ("x2", .numeric(NumericColumn(x2))),
            ("s", design.column("s")),
            ("d", design.column("d")),
            ("dept", design.column("dept")),
        ])
    }
}
