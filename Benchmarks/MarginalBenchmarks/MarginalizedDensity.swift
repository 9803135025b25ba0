import Benchmark
import Foundation
import Marginal

/// One value-and-gradient evaluation of the all-marginalized LMM posterior
/// (`MarginalizedMixedModelDensity`), what NUTS pays per leapfrog step, at points cycling
/// around the ML estimate (so the factor is recomputed every time), for:
/// - sleepstudy, `Reaction ~ 1 + Days + (1 + Days | Subject)`;
/// - the 20,000-row, 1,000-group `y ~ 1 + x1 + x2 + (1 | g)` (`GroupedSimulation`);
/// - the 73,421-row crossed `y ~ 1 + (1 | s) + (1 | d)` (`InstEvalSimulation`).
func marginalizedDensityBenchmarks() {
    let sleepstudy = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Examples/sleepstudy.csv").path
    let cases: [(name: String, iterations: Int, model: @Sendable () throws -> LinearMixedModel)] = [
        ("sleepstudy (1 + Days | Subject)", 100_000, {
            try LinearMixedModel(formula: "Reaction ~ 1 + Days + (1 + Days | Subject)", data: CSVReader.read(path: sleepstudy))
        }),
        ("grouped 20000 rows 1000 groups", 20_000, {
            try LinearMixedModel(formula: "y ~ 1 + x1 + x2 + (1 | g)", data: GroupedSimulation().generate().frame)
        }),
        ("crossed InstEval-shaped 73421 rows", 200, {
            try LinearMixedModel(formula: "y ~ 1 + (1 | s) + (1 | d)", data: InstEvalSimulation().generate().frame)
        }),
    ]
    for entry in cases {
        var density: MarginalizedMixedModelDensity?
        var points: [[Double]] = []
        var gradient: [Double] = []
        Benchmark(
            "Marginalized LMM log density + gradient, \(entry.name)",
            configuration: .init(
                metrics: [.wallClock, .cpuTotal, .mallocCountTotal], timeUnits: .microseconds,
                maxDuration: .seconds(10), maxIterations: entry.iterations)
        ) { benchmark in
            for i in benchmark.scaledIterations {
                blackHole(density?.logDensity(at: points[i % points.count], gradient: &gradient))
            }
        } setup: {
            let model = try entry.model()
            let value = MarginalizedMixedModelDensity(model: model)
            let center = value.parameterization.unconstrained(fit: try model.fit(criterion: .ml))
            var random = RandomSource(seed: 1)
            points = (0..<7).map { _ in center.map { $0 + 0.05 * random.normal() } }
            gradient = Array(repeating: 0, count: value.dimension)
            density = value
            // First evaluation outside the timing: the copy-on-write buffers become unique.
            _ = density?.logDensity(at: points[0], gradient: &gradient)
        }
    }
}
