import Benchmark

// Entry point read by ordo-one/benchmark's plugin. One file per area registers its benchmarks:
//   CSV.swift        reading a 1,000,000-row CSV file
//   Simulation.swift simulating the InstEval-shaped design
// To add fits, create Fit.swift with `func fitBenchmarks()` (LinearMixedModel on the simulated
// InstEval design; data from `BenchmarkData`) and call it below.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(20),
        maxIterations: 10
    )
    csvBenchmarks()
    simulationBenchmarks()
}
