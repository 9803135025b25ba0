import Benchmark

// Entry point read by ordo-one/benchmark's plugin. One file per area registers its benchmarks:
//   CSV.swift        reading and writing a 1,000,000-row CSV file
//   Simulation.swift simulating the InstEval-shaped design
//   Fit.swift        linear mixed-model fits
//   MarginalizedDensity.swift  the marginalized LMM posterior's value and gradient (NUTS's cost)
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
    fitBenchmarks()
    marginalizedDensityBenchmarks()
}
