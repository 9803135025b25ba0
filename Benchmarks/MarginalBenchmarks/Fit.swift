import Benchmark
import Foundation
import Marginal

/// Linear mixed-model fits by REML:
/// - the InstEval-shaped crossed design (73,421 rows; students 2,972, lecturers 1,128,
///   departments 28) with `y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept)`, fit only (the model
///   is built in the setup hook), and one evaluation of the profiled objective at θ̂;
/// - sleepstudy, `Reaction ~ 1 + Days + (1 + Days | Subject)`, from the CSV to the fit.
/// Whole-process times and the lme4 ratio come from `Benchmarks/peers/run_insteval.sh`.
func fitBenchmarks() {
    let formula = "y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept)"
    var model: LinearMixedModel?
    var thetaHat: [Double] = []
    let setup = {
        let data = try InstEvalSimulation.scaled(rows: InstEvalSimulation.instEvalRows, seed: 1).generate().frame
        model = try LinearMixedModel(formula: formula, data: data)
    }
    Benchmark(
        "LMM REML fit, InstEval-shaped 73421 rows",
        configuration: .init(metrics: [.wallClock, .cpuTotal, .peakMemoryResident], maxDuration: .seconds(30), maxIterations: 10)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try model?.fit(criterion: .reml))
        }
    } setup: {
        try setup()
    }
    Benchmark(
        "LMM REML objective evaluation, InstEval-shaped 73421 rows",
        configuration: .init(metrics: [.wallClock, .cpuTotal], maxDuration: .seconds(10), maxIterations: 100)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(model?.objective(theta: thetaHat, criterion: .reml))
        }
    } setup: {
        try setup()
        thetaHat = try model?.fit(criterion: .reml).theta ?? []
    }
    let sleepstudy = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Examples/sleepstudy.csv").path
    Benchmark(
        "LMM REML fit, sleepstudy from CSV",
        configuration: .init(metrics: [.wallClock, .cpuTotal], maxDuration: .seconds(5), maxIterations: 200)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            let data = try CSVReader.read(path: sleepstudy)
            blackHole(try LinearMixedModel(formula: "Reaction ~ 1 + Days + (1 + Days | Subject)", data: data).fit())
        }
    }
}
