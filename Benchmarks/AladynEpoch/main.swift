// One epoch of the published ALADYN objective (loss and gradient over all individuals) in
// Marginal, timed: the Swift side of peers/run_aladyn.sh (issue 14).
//
// Usage: AladynEpoch [--N 1000] [--D 50] [--T 52] [--K 5] [--P 20] [--repeats 11] [--threads 1]
// Prints the median and minimum over `repeats` evaluations (after one untimed warm-up) at the
// simulation's true parameters (centred form, W = 1e-4), and the load average.
import Foundation
import Marginal

var settings = ["N": 1000, "D": 50, "T": 52, "K": 5, "P": 20, "repeats": 11, "threads": 1]
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    guard flag.hasPrefix("--"), let key = Optional(String(flag.dropFirst(2))), settings[key] != nil,
          let value = arguments.popFirst().flatMap({ Int($0) }) else {
        FileHandle.standardError.write(Data("usage: AladynEpoch [--N n] [--D n] [--T n] [--K n] [--P n] [--repeats n] [--threads n]\n".utf8))
        exit(2)
    }
    settings[key] = value
}
let dimensions = AladynDimensions(
    individuals: settings["N"] ?? 1000, diseases: settings["D"] ?? 50, ages: settings["T"] ?? 52,
    signatures: settings["K"] ?? 5, covariates: settings["P"] ?? 20)
do {
    let simulation = try AladynSimulation(dimensions: dimensions, seed: 1)
    let model = try simulation.model()
    let objective = AladynObjective(model: model, form: .centred, threads: settings["threads"] ?? 1)
    var times: [Double] = []
    var value = 0.0
    for _ in 0...(settings["repeats"] ?? 11) {
        let start = ContinuousClock.now
        value = try objective.valueAndGradient(simulation.truth).value
        let elapsed = ContinuousClock.now - start
        times.append(Double(elapsed.components.attoseconds) * 1e-15 + Double(elapsed.components.seconds) * 1e3)
    }
    times = Array(times.dropFirst()).sorted()
    var load = [0.0, 0.0, 0.0]
    _ = getloadavg(&load, 3)
    print(String(format: "marginal threads=%d N=%d D=%d T=%d K=%d+1 P=%d loss=%.6f epoch_median_ms=%.2f min_ms=%.2f loadavg=%.2f",
                 settings["threads"] ?? 1, dimensions.individuals, dimensions.diseases, dimensions.ages, dimensions.signatures,
                 dimensions.covariates, value, times[times.count / 2], times[0], load[0]))
} catch {
    FileHandle.standardError.write(Data("AladynEpoch: \(error)\n".utf8))
    exit(1)
}
