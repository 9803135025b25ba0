import Benchmark
import Foundation
import Marginal

/// Writing and reading a 1,000,000 × 6 CSV file.
///
/// Reading: a 1,000,000 × 6 CSV file (3 numeric, 3 categorical columns) with `CSVReader`.
///
/// The file is generated once by `BenchmarkData.millionRowCSV()` in the setup hook, so its
/// generation is not timed.
func csvBenchmarks() {
    csvWriteBenchmark()
    var options = CSVOptions()
    options.factorColumns = ["s", "d", "dept"]
    var path = ""
    Benchmark(
        "CSV read 1M rows x 6 columns",
        configuration: largeFileConfiguration
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            let frame = try CSVReader.read(path: path, options: options)
            blackHole(frame)
        }
    } setup: {
        path = try BenchmarkData.millionRowCSV()
    }
}

/// Writing the same 1,000,000 × 6 frame with `CSVWriter` (shortest round-trip numbers, atomic
/// rename) to a file in the cache folder, removed afterwards.
private func csvWriteBenchmark() {
    var frame = DataFrame()
    let path = (BenchmarkData.cacheDirectory as NSString).appendingPathComponent("csv-write-benchmark.csv")
    Benchmark(
        "CSV write 1M rows x 6 columns",
        configuration: largeFileConfiguration
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            try CSVWriter.write(frame, toPath: path)
        }
    } setup: {
        try FileManager.default.createDirectory(atPath: BenchmarkData.cacheDirectory, withIntermediateDirectories: true)
        frame = try BenchmarkData.millionRowFrame()
    } teardown: {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Both CSV benchmarks handle a 71 MB file: throughput and memory matter, ten iterations suffice.
private var largeFileConfiguration: Benchmark.Configuration {
    .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident, .throughput],
        maxDuration: .seconds(30),
        maxIterations: 10
    )
}
