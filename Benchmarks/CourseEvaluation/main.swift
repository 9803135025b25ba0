import Foundation
import Marginal

// The course-evaluation experiment of Lai, Domke & Sheldon (NeurIPS 2024, arXiv 2410.24079)
// on an InstEval-shaped design: y = α + β·service + u_s + u_d + u_dept + ε with the three
// random-effect SDs fixed at 1, α ~ N(0, 5), β ~ N(0, 1), σ ~ half-normal(1); every random
// effect integrated out by the known-covariance (eigen) route; one NUTS chain of 10,000 warmup
// and 100,000 sampling iterations; then, for every posterior draw, one draw of all 4,128 random
// effects from p(u | y, α, β, σ), summarized by running means and SDs. The paper reports 631 s
// on an NVIDIA A40 GPU.
//
// Usage: CourseEvaluation [--rows N] [--warmup N] [--draws N] [--seed N] [--batch N]
//                         [--precision double|single] [--json FILE]
// --precision single runs the recovery's rank-B updates in Float (see KnownCovarianceRecovery).

/// Restarts with `OPENBLAS_CORETYPE` set when OpenBLAS fell back to a generic kernel, as the
/// `marginal` tool does (see `BLASKernel`).
func selectBLASKernel() {
    guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil, let core = BLASKernel.recommendedCoreType() else { return }
    setenv("OPENBLAS_CORETYPE", core, 1)
    var argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) }
    argv.append(nil)
    execv("/proc/self/exe", &argv)
}

struct Options {
    var rows = InstEvalSimulation.instEvalRows
    var warmup = 10_000
    var draws = 100_000
    var seed: UInt64 = 1
    var batch = 512
    var precision = KnownCovarianceRecovery.Precision.double
    var json: String?

    init(_ arguments: [String]) {
        var k = 0
        func value() -> String {
            k += 1
            guard k < arguments.count else { fail("\(arguments[k - 1]) needs a value") }
            return arguments[k]
        }
        func integer(_ text: String) -> Int {
            guard let v = Int(text), v >= 0 else { fail("'\(text)' is not a non-negative integer") }
            return v
        }
        while k < arguments.count {
            switch arguments[k] {
            case "--rows": rows = integer(value())
            case "--warmup": warmup = integer(value())
            case "--draws": draws = integer(value())
            case "--seed": seed = UInt64(integer(value()))
            case "--batch": batch = max(1, integer(value()))
            case "--json": json = value()
            case "--precision":
                switch value() {
                case "double": precision = .double
                case "single": precision = .single
                case let other: fail("--precision takes double or single, not '\(other)'")
                }
            case "-h", "--help":
                print("CourseEvaluation [--rows N] [--warmup N] [--draws N] [--seed N] [--batch N] [--precision double|single] [--json FILE]")
                exit(0)
            default: fail("unknown argument '\(arguments[k])'")
            }
            k += 1
        }
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("CourseEvaluation: \(message)\n".utf8))
    exit(2)
}

let clock = ContinuousClock()
func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
func processCPU() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + 1e-9 * Double(t.tv_nsec)
}
func log(_ text: String) {
    FileHandle.standardError.write(Data("\(text)\n".utf8))
}

selectBLASKernel()
let options = Options(Array(CommandLine.arguments.dropFirst()))
log("BLAS kernel \(BLASKernel.current); rows \(options.rows), warmup \(options.warmup), draws \(options.draws), seed \(options.seed)")

do {
    // Data: simulated with lme4's REML estimates on InstEval as the truth.
    let simulationStart = clock.now
    let simulated = try InstEvalSimulation.scaled(rows: options.rows, seed: options.seed).generate()
    let simulationSeconds = seconds(clock.now - simulationStart)

    // Set-up: design, cross products, eigendecomposition, projections.
    let setupStart = clock.now
    let setupCPU = processCPU()
    var density = try KnownCovarianceDensity(
        formula: "y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept)", data: simulated.frame,
        fixedStandardDeviations: "s=1,d=1,dept=1")
    try density.setPriors(["b[(Intercept)]=normal(0, 5)", "b[service1]=normal(0, 1)", "sigma=half-normal(1)"])
    let setupSeconds = seconds(clock.now - setupStart)
    let setupCPUSeconds = processCPU() - setupCPU
    let timings = density.setupTimings
    log(String(format: "set-up %.2f s (eigendecomposition %.2f s, D = %d, n = %d)", setupSeconds, timings.eigendecomposition, density.randomEffectCount, density.observationCount))

    // Sampling: one chain of NUTS, diagonal metric, Stan's defaults otherwise.
    let samplingCPU = processCPU()
    let settings = SamplerSettings(chains: 1, warmup: options.warmup, draws: options.draws, seed: options.seed)
    let result = try NUTS.sample(density, settings: settings)
    let samplingCPUSeconds = processCPU() - samplingCPU
    let chain = result.chains[0]
    log(String(format: "sampling %.2f s (warmup %.2f s, draws %.2f s), %d gradients", result.wallSeconds, chain.warmupSeconds, chain.samplingSeconds, chain.gradientEvaluations))

    // Recovery: one draw of every random effect per posterior draw, from its own random stream.
    let recoveryStart = clock.now
    let recoveryCPU = processCPU()
    var random = RandomSource.streams(seed: options.seed, count: 2)[1]
    var recovery = KnownCovarianceRecovery(density: density, batchSize: options.batch, precision: options.precision)
    for x in chain.draws { recovery.add(drawAt: x, random: &random) }
    let drawsSeconds = seconds(clock.now - recoveryStart)
    let summaryStart = clock.now
    let effects = recovery.summary()
    let summarySeconds = seconds(clock.now - summaryStart)
    let recoverySeconds = seconds(clock.now - recoveryStart)
    let recoveryCPUSeconds = processCPU() - recoveryCPU

    // Diagnostics of α, β, σ.
    let parameters = [
        ParameterSummary(name: "alpha (b[(Intercept)])", draws: result.draws(coordinate: 0)),
        ParameterSummary(name: "beta (b[service1])", draws: result.draws(coordinate: 1)),
        ParameterSummary(name: "sigma", draws: result.draws { exp($0[2]) }),
    ]
    let truth = [simulated.fixedEffects["(Intercept)"] ?? .nan, simulated.fixedEffects["service1"] ?? .nan, simulated.standardDeviations["residual"] ?? .nan]
    let meanLeapfrogs = Double(chain.statistics.reduce(0) { $0 + $1.leapfrogSteps }) / Double(max(chain.statistics.count, 1))

    // How well the recovered effects track the simulated ones.
    func correlation(_ a: [Double], _ b: [Double]) -> Double {
        let n = Double(a.count)
        let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for (x, y) in zip(a, b) { sab += (x - ma) * (y - mb); saa += (x - ma) * (x - ma); sbb += (y - mb) * (y - mb) }
        return sab / (saa * sbb).squareRoot()
    }
    var effectReport: [(group: String, levels: Int, correlation: Double, meanSD: Double)] = []
    for group in density.randomEffectsLayout.groups {
        guard let means = effects.means(of: group.group), let sds = effects.standardDeviations(of: group.group),
              let true_ = simulated.randomEffects[group.group] else { continue }
        // Level labels are "1", "2", … in level order; map them back to the simulated effects.
        let simulatedEffects = group.levels.map { label in Int(label).map { true_[$0 - 1] } ?? .nan }
        effectReport.append((group.group, group.levels.count, correlation(means.elements, simulatedEffects),
                             sds.elements.reduce(0, +) / Double(sds.elements.count)))
    }

    let total = setupSeconds + result.wallSeconds + recoverySeconds
    print("Course-evaluation experiment (Lai, Domke & Sheldon 2024), InstEval-shaped design")
    let groupSizes = density.randomEffectsLayout.groups.map { "\($0.group) \($0.levels.count)" }.joined(separator: ", ")
    print("  rows \(density.observationCount), random effects D = \(density.randomEffectCount) (\(groupSizes)), BLAS kernel \(BLASKernel.current)")
    print(String(format: "  one chain: %d warmup + %d draws; step size %.3f; mean leapfrog steps %.2f; %d gradients; %d divergences",
                 options.warmup, options.draws, chain.stepSize, meanLeapfrogs, chain.gradientEvaluations, chain.divergences))
    print("")
    print("  phase                                   wall s    CPU s")
    print(String(format: "  simulate data                         %8.2f", simulationSeconds))
    print(String(format: "  set-up (design, ZᵀZ, eigen, project)  %8.2f %8.2f", setupSeconds, setupCPUSeconds))
    print(String(format: "    of which dsyevd (D = %d)          %8.2f", density.randomEffectCount, timings.eigendecomposition))
    print(String(format: "  sampling (warmup + draws)             %8.2f %8.2f", result.wallSeconds, samplingCPUSeconds))
    print(String(format: "    warmup / draws                      %8.2f / %.2f", chain.warmupSeconds, chain.samplingSeconds))
    print(String(format: "    per gradient evaluation (µs)        %8.2f", 1e6 * (chain.warmupSeconds + chain.samplingSeconds) / Double(chain.gradientEvaluations)))
    print(String(format: "  recovery (%d draws of %d effects, ", effects.draws, density.randomEffectCount) + "\(options.precision))" + String(format: " %8.2f %8.2f", recoverySeconds, recoveryCPUSeconds))
    print(String(format: "    draws / summary                     %8.2f / %.2f", drawsSeconds, summarySeconds))
    print(String(format: "  total (set-up + sampling + recovery)  %8.2f", total))
    print("")
    print("  parameter                 truth     mean       sd      q5     q95  ess_bulk  ess_tail   rhat")
    for (p, t) in zip(parameters, truth) {
        print("  " + p.name.padding(toLength: 22, withPad: " ", startingAt: 0) + String(format: " %7.4f  %7.4f  %7.4f %7.4f %7.4f  %8.0f  %8.0f  %.4f",
                     t, p.mean, p.sd, p.q5, p.q95, p.essBulk, p.essTail, p.rhat))
    }
    let minESS = parameters.map(\.essBulk).min() ?? .nan
    print(String(format: "  min bulk-ESS %.0f; %.1f ESS/s over the sampling wall time, %.1f ESS/s over the total", minESS, minESS / result.wallSeconds, minESS / total))
    print("")
    print("  recovered effects      levels  corr(posterior mean, simulated)  mean posterior SD")
    for e in effectReport {
        print("  " + e.group.padding(toLength: 22, withPad: " ", startingAt: 0) + String(format: " %6d  %31.3f  %17.3f", e.levels, e.correlation, e.meanSD))
    }

    if let path = options.json {
        var object: [String: Any] = [
            "rows": density.observationCount, "randomEffects": density.randomEffectCount,
            "warmup": options.warmup, "draws": options.draws, "seed": Int(options.seed),
            "recoveryPrecision": "\(options.precision)", "batch": options.batch,
            "blasKernel": BLASKernel.current,
            "seconds": ["simulate": simulationSeconds, "setup": setupSeconds, "eigendecomposition": timings.eigendecomposition,
                        "sampling": result.wallSeconds, "warmup": chain.warmupSeconds, "samplingDraws": chain.samplingSeconds,
                        "recovery": recoverySeconds, "recoverySummary": summarySeconds, "total": total],
            "cpuSeconds": ["setup": setupCPUSeconds, "sampling": samplingCPUSeconds, "recovery": recoveryCPUSeconds],
            "gradientEvaluations": chain.gradientEvaluations, "divergences": chain.divergences,
            "stepSize": chain.stepSize, "meanLeapfrogSteps": meanLeapfrogs,
        ]
        object["parameters"] = zip(parameters, truth).map { p, t in
            ["name": p.name, "truth": t, "mean": p.mean, "sd": p.sd, "q5": p.q5, "q95": p.q95,
             "essBulk": p.essBulk, "essTail": p.essTail, "rhat": p.rhat] as [String: Any]
        }
        object["effects"] = effectReport.map { ["group": $0.group, "levels": $0.levels, "correlation": $0.correlation, "meanSD": $0.meanSD] as [String: Any] }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: path))
    }
} catch {
    fail("\(error)")
}
