import ArgumentParser
import Foundation
import Marginal

/// `marginal fit`: an exact ML or REML fit of a linear mixed model, as lme4's `lmer` gives it.
struct FitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit a linear mixed model by REML (default) or maximum likelihood.",
        discussion: """
            The random effects are integrated out exactly: the profiled deviance (or REML \
            criterion) is minimized over the relative covariance parameters θ with BOBYQA, as \
            lme4 and MixedModels.jl do, and the output matches lme4's summary().

            Examples:
              marginal fit Examples/sleepstudy.csv -f 'Reaction ~ 1 + Days + (1 + Days | Subject)'
              marginal fit Examples/Penicillin.csv -f 'diameter ~ 1 + (1 | plate) + (1 | sample)' --ml --json
              marginal fit Examples/Pastes.csv -f 'strength ~ 1 + (1 | batch/cask)' --output pastes.txt
            """)

    @OptionGroup var dataOptions: DataOptions

    @Flag(name: .long, help: "Fit by maximum likelihood instead of REML.")
    var ml = false

    @Option(help: ArgumentHelp(
        "How θ is optimized: auto (L-BFGS-B on the exact gradient from 4 covariance parameters on, BOBYQA below), bobyqa, or lbfgs.",
        valueName: "auto|bobyqa|lbfgs"))
    var optimizer: ThetaOptimizer = .automatic

    @Flag(name: .long, help: "Print JSON (estimates, variance components, conditional modes, the optimizer's log) instead of text.")
    var json = false

    @Option(name: [.short, .long], help: ArgumentHelp("Write the result to FILE instead of standard output.", valueName: "FILE"))
    var output: String?

    @Flag(name: .long, help: "Do not show the optimizer's progress on stderr (it is shown only when stderr is a terminal).")
    var quiet = false

    func run() throws {
        try OutputDestination.validate(outputs: [("--output", output)], inputs: [dataOptions.data])
        let design = try dataOptions.design()
        let model = try LinearMixedModel(design: design)
        let progress = ProgressLine(enabled: !quiet)
        let fit = try model.fit(criterion: ml ? .ml : .reml, optimizer: optimizer) { evaluation, objective in
            progress.update("fitting: evaluation \(evaluation), objective \(objective)")
        }
        progress.finish()
        let dataName = URL(fileURLWithPath: dataOptions.data).deletingPathExtension().lastPathComponent
        let text = json ? try FitReport(fit).json() : fit.summary(dataName: dataName)
        try OutputDestination(path: output).write(text)
    }
}

extension ThetaOptimizer: ExpressibleByArgument {}
