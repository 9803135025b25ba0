import Benchmark
import Marginal

/// Simulating the InstEval-shaped design (`InstEvalSimulation`), at InstEval's size and scaled to
/// 1,000,000 rows: level sizes, pairing, effects and 73,421 or 1,000,000 normal draws.
func simulationBenchmarks() {
    for rows in [InstEvalSimulation.instEvalRows, 1_000_000] {
        let simulation = InstEvalSimulation.scaled(rows: rows, seed: 1)
        Benchmark(
            "Simulate InstEval design, \(rows) rows",
            configuration: .init(metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident, .throughput])
        ) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try simulation.generate())
            }
        }
    }
}
