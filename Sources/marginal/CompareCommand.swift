import ArgumentParser
import Foundation
import Marginal

/// `marginal compare`: one model, every estimation strategy, side by side.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Fit one mixed model by several estimation methods and compare the estimates.",
        discussion: """
            Methods (default: all): reml, ml (the random effects integrated out exactly), em (EM, \
            which is also variational EM with the exact Gaussian q(u)), map and map-nc (joint MAP over \
            the random effects and the globals together, centered and non-centered, by L-BFGS), vi \
            (mean-field ADVI with the random effects integrated out), vi-joint (mean-field ADVI on the \
            joint non-centered density) and nuts (NUTS with the random effects integrated out; \
            posterior means). Each column gives a method's fixed effects, sigma, random-effect SDs and \
            correlations, its objective (REML criterion, deviance, log joint posterior or ELBO) and its \
            time; its warnings follow the table. The Bayesian methods use the default priors of \
            `marginal sample` unless --prior changes them.

            A generalized model (--family) has ml (Laplace, or adaptive quadrature with --nagq) and \
            pql; with a canonical link and no dispersion (binomial-logit, Poisson-log) also map (one \
            scalar term only), map-nc (joint MAP, non-centered, any terms), vi (mean-field ADVI on \
            the density nuts samples: every effect in q, scalar terms partially centered at the \
            Laplace fit) and nuts.

            Examples:
              marginal compare Examples/sleepstudy.csv -f 'Reaction ~ 1 + Days + (1 + Days | Subject)'
              marginal compare Examples/Dyestuff.csv -f 'Yield ~ 1 + (1 | Batch)' --methods ml,map,map-nc --json
              marginal compare Examples/sleepstudy.csv -f 'Reaction ~ Days + (Days | Subject)' --report compare.html
              marginal compare Examples/cbpp.csv -f 'cbind(incidence, size - incidence) ~ period + (1 | herd)' --family binomial --methods ml,map-nc,vi,nuts

            --report FILE.html also writes one self-contained HTML page (inline SVG, no network): \
            the table, a forest plot per parameter with each method's estimate in a row (estimate \
            ± 1.96 SE on fixed effects where the method gives an SE) and its warnings, joint MAP's \
            gradient flow as bar charts, and the objective per iteration of ML, REML, EM and VI.
            """)

    @OptionGroup var dataOptions: DataOptions

    @OptionGroup var familyOptions: FamilyOptions

    @Option(help: ArgumentHelp(
        "Comma-separated methods: \(EstimationMethod.allCases.map(\.rawValue).joined(separator: ",")) (default: every method that applies to the model; a generalized model has ml, pql, map for one scalar term, map-nc, vi and nuts, the last four with a canonical link and no dispersion; nuts-laplace, NUTS on the Laplace approximation, runs only when named).",
        valueName: "LIST"))
    var methods: String?

    @Option(help: "NUTS chains.")
    var chains: Int = 4

    @Option(help: "NUTS warmup iterations per chain.")
    var warmup: Int = 500

    @Option(help: "NUTS post-warmup draws per chain.")
    var draws: Int = 500

    @Option(help: "Seed of NUTS and ADVI.")
    var seed: UInt64 = 1

    @Option(name: .customLong("prior"), help: ArgumentHelp("A prior for the Bayesian methods, e.g. 'sigma=half-normal(10)' (repeatable).", valueName: "NAME=DIST"))
    var priors: [String] = []

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    @Option(name: [.short, .long], help: ArgumentHelp("Write the result to FILE instead of standard output.", valueName: "FILE"))
    var output: String?

    @Flag(name: .long, help: "Do not show which method is running on stderr (shown only when stderr is a terminal).")
    var quiet = false

    @Option(help: ArgumentHelp("Also write an HTML report with plots (forest plots, gradient flow, objectives per iteration) to FILE.html.", valueName: "FILE.html"))
    var report: String?

    func validate() throws {
        if let methods, case .failure(let error) = EstimationMethod.list(methods) { throw ValidationError(error.description) }
        guard chains >= 1 else { throw ValidationError("--chains must be at least 1; got \(chains)") }
        guard warmup >= 0 else { throw ValidationError("--warmup must be 0 or more; got \(warmup)") }
        guard draws >= 1 else { throw ValidationError("--draws must be at least 1; got \(draws)") }
    }

    func run() throws {
        try OutputDestination.validate(outputs: [("--output", output), ("--report", report)], inputs: [dataOptions.data])
        let chosen = try methods.map { try EstimationMethod.list($0).get() }
        let model = try familyOptions.model(design: try dataOptions.design(binaryFactorResponse: familyOptions.readsBinaryFactor))
        let settings = ComparisonSettings(chains: chains, warmup: warmup, draws: draws, seed: seed, priors: priors, quadraturePoints: familyOptions.nagq)
        try model.validate(settings)
        let progress = ProgressLine(enabled: !quiet)
        let comparison = model.compare(chosen, settings: settings) { method in
            progress.update("compare: running \(method.rawValue)")
        }
        progress.finish()
        let printed = ComparisonReport(comparison)
        if let report {
            let dataName = URL(fileURLWithPath: dataOptions.data).deletingPathExtension().lastPathComponent
            try OutputDestination(path: report).write(comparison.htmlReport(text: printed.text, dataName: dataName).html())
        }
        try OutputDestination(path: output).write(json ? try printed.json() : printed.text)
    }
}
