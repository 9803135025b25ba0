import Benchmark
import Foundation
import Marginal

/// Linear mixed-model fits by REML:
/// - the InstEval-shaped crossed design (73,421 rows; students 2,972, lecturers 1,128,
///   departments 28) with `y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept)`, fit only (the model
///   is built in the setup hook), and one evaluation of the profiled objective at θ̂;
/// - sleepstudy, `Reaction ~ 1 + Days + (1 + Days | Subject)`, from the CSV to the fit.
/// - a nested design, 10,000 schools × 5 classes × 6 pupils (300,000 rows) with
///   `y ~ 1 + x + (1 | school/class)`, whose second block stays sparse (fit only).
/// Whole-process times and the lme4 ratios come from `Benchmarks/peers/run_insteval.sh` and
/// `run_nested.sh`.
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
    var nested: LinearMixedModel?
    Benchmark(
        "LMM REML fit, nested 300000 rows (1 | school/class)",
        configuration: .init(metrics: [.wallClock, .cpuTotal, .peakMemoryResident], maxDuration: .seconds(30), maxIterations: 10)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try nested?.fit(criterion: .reml))
        }
    } setup: {
        nested = try LinearMixedModel(formula: "y ~ 1 + x + (1 | school/class)", data: nestedFrame(schools: 10_000, classes: 5, pupils: 6))
    }
}

/// Pupils in classes in schools: y = 1 + 0.5x + school + class + noise, SDs 1, 0.7 and 1 (seeded).
func nestedFrame(schools: Int, classes: Int, pupils: Int) throws -> DataFrame {
    var random = RandomSource(seed: 1)
    var y: [Double] = [], x: [Double] = [], school: [String] = [], klass: [String] = []
    for s in 0..<schools {
        let a = random.normal()
        for c in 0..<classes {
            let b = 0.7 * random.normal()
            for _ in 0..<pupils {
                let xi = random.normal()
                x.append(xi)
                y.append(1 + 0.5 * xi + a + b + random.normal())
                school.append("s\(s)")
                klass.append("s\(s)c\(c)")
            }
        }
    }
    return try DataFrame([
        ("y", .numeric(NumericColumn(y))), ("x", .numeric(NumericColumn(x))),
        ("school", .categorical(CategoricalColumn(labels: school))), ("class", .categorical(CategoricalColumn(labels: klass))),
    ])
}
