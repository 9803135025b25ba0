import ArgumentParser
import Foundation
import Marginal

/// `marginal fit`: an exact ML or REML fit of a linear mixed model, as lme4's `lmer` gives it, or
/// with `--family` a generalized linear mixed model by the Laplace approximation, as `glmer`.
struct FitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit a linear mixed model by REML (default) or ML, or a generalized one (--family) by the Laplace approximation.",
        discussion: """
            The random effects are integrated out exactly: the profiled deviance (or REML \
            criterion) is minimized over the relative covariance parameters θ with BOBYQA, as \
            lme4 and MixedModels.jl do, and the output matches lme4's summary().

            With --family binomial|bernoulli|poisson the model is a generalized linear mixed model, \
            fitted as lme4's glmer does by default: the Laplace approximation to the likelihood, \
            with the conditional modes by penalized iteratively reweighted least squares, \
            optimized over θ first and then over θ and β together. A binomial response is 0/1, a \
            proportion with --weights giving the trials, or cbind(successes, failures).

            A term may take one of glmmTMB's covariance structures: ar1(time + 0 | id), \
            ou(time + 0 | id) (unequal gaps), exp(x + 0 | g), gau(...), mat(...) (Matérn, \
            smoothness estimated), cs(x | g), toep(time + 0 | id), diag(x | g); coordinates are \
            a numeric column, or numFactor(x, y) for points in the plane. The summary and the JSON \
            report each structure's SDs and its correlation, rate or range as glmmTMB does.

            Examples:
              marginal fit Examples/sleepstudy.csv -f 'Reaction ~ 1 + Days + (1 + Days | Subject)'
              marginal fit Examples/Penicillin.csv -f 'diameter ~ 1 + (1 | plate) + (1 | sample)' --ml --json
              marginal fit Examples/Pastes.csv -f 'strength ~ 1 + (1 | batch/cask)' --output pastes.txt
              marginal fit Examples/cbpp.csv -f 'cbind(incidence, size - incidence) ~ period + (1 | herd)' --family binomial --factor period
              marginal fit Examples/sleepstudy.csv -f 'Reaction ~ Days + (Days | Subject)' --report sleepstudy.html
              marginal fit Examples/sleepstudy.csv -f 'Reaction ~ Days + (Days | Subject)' --predict new.csv --re-form '~0'

            --predict NEWDATA.csv predicts from the fitted model on new data after the fit, as \
            `marginal predict` would from the saved fit (same options: --re-form, --allow-new-levels, \
            --interval with --level, --type): the text output gains the predictions as CSV after \
            the summary, the JSON output a "predictions" array (row, fit, se, lower, upper).

            --report FILE.html also writes one self-contained HTML page (inline SVG, no network) with \
            the summary, residuals against fitted values, a normal QQ plot of the scaled residuals, \
            caterpillar plots of the conditional modes with their conditional intervals per grouping \
            factor and column (factors with more than 100 levels show the extremes and a sample), the \
            optimizer's objective per evaluation, and the singular-fit and convergence notes.
            """)

    @OptionGroup var dataOptions: DataOptions

    @Flag(name: .long, help: "Fit by maximum likelihood instead of REML.")
    var ml = false

    @OptionGroup var familyOptions: FamilyOptions

    @Option(help: ArgumentHelp(
        "How θ is optimized: auto (L-BFGS-B on the exact gradient from 4 covariance parameters on, BOBYQA below), bobyqa, or lbfgs.",
        valueName: "auto|bobyqa|lbfgs"))
    var optimizer: ThetaOptimizer = .automatic

    @Option(help: ArgumentHelp(
        "Degrees of freedom of a linear model's t tests: satterthwaite (the default, as lmerTest; p values in the summary), kenward-roger (REML fits: Kenward–Roger's degrees of freedom and adjusted standard errors, as lmerTest's ddf = \"Kenward-Roger\" and pbkrtest; O(n³), up to 4,000 rows) or none (as lme4's lmer: no p values, and no extra evaluations).",
        valueName: "satterthwaite|kenward-roger|none"))
    var ddf: DenominatorDegreesOfFreedom?

    @Option(help: ArgumentHelp(
        "Confidence intervals: boot (every parameter, parametric bootstrap, percentile intervals, as lme4's confint(method = \"boot\"); a generalized model's responses are drawn from its family and refitted by the same method), profile (every parameter, profile likelihood of the ML deviance, or of the Laplace or quadrature deviance of a generalized model, as lme4's confint(method = \"profile\")) or wald (the fixed effects, estimate ± z × SE, as lme4's confint(method = \"Wald\")).",
        valueName: "boot|profile|wald"))
    var confint: ConfidenceIntervalMethod?

    @Option(help: "Simulations of the parametric bootstrap (--confint boot), refitted in parallel.")
    var nsim = 1000

    @Option(help: "Seed of the bootstrap's simulations (same seed, same intervals).")
    var seed: UInt64 = 1

    @Option(help: "Confidence level of the intervals (--confint, and --predict's --interval prediction), in (0, 1).")
    var level = 0.95

    @Option(help: ArgumentHelp("After the fit, predict on these rows (a CSV file with the formula's columns), as `marginal predict`.", valueName: "NEWDATA.csv"))
    var predict: String?

    @OptionGroup var prediction: PredictionOptions

    @Flag(name: .long, help: "Print JSON (estimates, variance components, conditional modes, the optimizer's log) instead of text.")
    var json = false

    @Option(name: [.short, .long], help: ArgumentHelp("Write the result to FILE instead of standard output.", valueName: "FILE"))
    var output: String?

    @Option(help: ArgumentHelp("Also write an HTML report with plots (residuals, QQ, caterpillar plots, the optimizer's trace) to FILE.html.", valueName: "FILE.html"))
    var report: String?

    @Flag(name: .long, help: "Do not show the optimizer's progress on stderr (it is shown only when stderr is a terminal).")
    var quiet = false

    func validate() throws {
        if familyOptions.responseFamily != nil && ddf != nil {
            throw ValidationError("--ddf applies to linear mixed models; a generalized one has Wald z tests")
        }
        if ddf == .kenwardRoger && ml {
            throw ValidationError("--ddf kenward-roger needs a REML fit (Kenward–Roger's approximation is defined for REML); leave out --ml")
        }
        guard (1...1_000_000).contains(nsim) else { throw ValidationError("--nsim must be between 1 and 1,000,000; got \(nsim)") }
        guard level > 0, level < 1 else { throw ValidationError("--level must be in (0, 1); got \(level)") }
        if predict == nil && !prediction.isDefault {
            throw ValidationError("--re-form, --new-levels, --allow-new-levels, --interval and --type shape predictions: give --predict NEWDATA.csv")
        }
        if familyOptions.responseFamily != nil && ml {
            throw ValidationError("--ml applies to linear mixed models; a generalized one is always fitted by maximum likelihood")
        }
    }

    func run() throws {
        try OutputDestination.validate(outputs: [("--output", output), ("--report", report)], inputs: [dataOptions.data] + (predict.map { [$0] } ?? []))
        let (design, fingerprint) = try dataOptions.load(binaryFactorResponse: familyOptions.readsBinaryFactor, fingerprint: json || predict != nil)
        let progress = ProgressLine(enabled: !quiet)
        let dataName = URL(fileURLWithPath: dataOptions.data).deletingPathExtension().lastPathComponent
        let text: String
        var page: HTMLReport?
        if let responseFamily = familyOptions.responseFamily {
            let model = try familyOptions.generalizedModel(design: design, family: responseFamily)
            var trace: [Double] = []
            let fit = try model.fit(nAGQ: familyOptions.nagq) { evaluation, objective in
                if report != nil { trace.append(objective) }
                progress.update("fitting: evaluation \(evaluation), Laplace deviance \(objective)")
            }
            let (intervals, table) = try confidenceIntervals(
                progress: progress, fixedEffects: fit.fixedEffects,
                boot: { model.parametricBootstrap(fit, simulations: nsim, seed: seed, level: level) },
                profile: { () throws(MixedModelError) in try model.profileIntervals(fit, level: level) })
            progress.finish()
            let summary = fit.summary(dataName: dataName) + ((intervals?.text() ?? table?.text()).map { "\n" + $0 + "\n" } ?? "")
            if report != nil { page = fit.htmlReport(summary: summary, dataName: dataName, objectiveTrace: trace) }
            var saved = GeneralizedFitReport(fit)
            saved.model = fingerprint.map {
                dataOptions.modelSource(fingerprint: $0, family: familyOptions, link: fit.link, transformations: design.transformations)
            }
            saved.confint = intervals
            saved.profile = confint == .profile ? table : nil
            saved.wald = confint == .wald ? table : nil
            saved.predictions = try predictions(try saved.json())
            text = json ? try saved.json() : summary + predictionsText(saved.predictions)
        } else {
            let model = try LinearMixedModel(design: design)
            var fit = try model.fit(criterion: ml ? .ml : .reml, optimizer: optimizer) { evaluation, objective in
                progress.update("fitting: evaluation \(evaluation), objective \(objective)")
            }
            switch ddf ?? .satterthwaite {
            case .satterthwaite:
                progress.update("fitting: Satterthwaite's degrees of freedom")
                fit = model.withSatterthwaiteTests(fit)
            case .kenwardRoger:
                progress.update("fitting: Kenward–Roger's degrees of freedom")
                fit = try model.withKenwardRogerTests(fit)
            case .none:
                break
            }
            let (intervals, table) = try confidenceIntervals(
                progress: progress, fixedEffects: fit.fixedEffects,
                boot: { model.parametricBootstrap(fit, simulations: nsim, seed: seed, level: level) },
                profile: { () throws(MixedModelError) in try model.profileIntervals(fit, level: level) })
            progress.finish()
            let summary = fit.summary(dataName: dataName) + ((intervals?.text() ?? table?.text()).map { "\n" + $0 + "\n" } ?? "")
            if report != nil { page = fit.htmlReport(summary: summary, dataName: dataName) }
            var saved = FitReport(fit)
            saved.model = fingerprint.map { dataOptions.modelSource(fingerprint: $0, transformations: design.transformations) }
            saved.confint = intervals
            saved.profile = confint == .profile ? table : nil
            saved.wald = confint == .wald ? table : nil
            saved.predictions = try predictions(try saved.json())
            text = json ? try saved.json() : summary + predictionsText(saved.predictions)
        }
        if let page, let report { try OutputDestination(path: report).write(page.html()) }
        try OutputDestination(path: output).write(text)
    }

    /// The intervals `--confint` asks for: the bootstrap's, or the profile's or Wald's table.
    private func confidenceIntervals(
        progress: ProgressLine, fixedEffects: [FixedEffectEstimate],
        boot: () -> BootstrapIntervals, profile: () throws(MixedModelError) -> IntervalTable
    ) throws(MixedModelError) -> (BootstrapIntervals?, IntervalTable?) {
        switch confint {
        case .boot:
            progress.update("parametric bootstrap: \(nsim) refits")
            return (boot(), nil)
        case .profile:
            progress.update("profiling the deviance")
            return (nil, try profile())
        case .wald:
            return (nil, .wald(fixedEffects, level: level))
        case nil:
            return (nil, nil)
        }
    }

    /// With `--predict`, the predictions of the fit whose JSON report is `saved` (read back as
    /// `marginal predict` reads a saved fit); nil without.
    private func predictions(_ saved: @autoclosure () throws -> String) throws -> [Predictor.Prediction]? {
        guard let predict else { return nil }
        let bytes = Data(try saved().utf8)
        let fit: PredictableFit
        do {
            fit = try PredictableFit.decode(bytes)
        } catch {
            throw CommandError(description: "the fit cannot be predicted from: \(error.description)")
        }
        return try prediction.predict(fit, newData: predict, level: level)
    }

    /// The predictions after the text summary: a heading naming the new data, then their CSV.
    private func predictionsText(_ predictions: [Predictor.Prediction]?) -> String {
        guard let predictions, let predict else { return "" }
        return "\nPredictions for \(predict):\n" + PredictionOptions.csv(predictions) + "\n"
    }
}

extension ThetaOptimizer: ExpressibleByArgument {}

/// `--confint`: how intervals are computed.
enum ConfidenceIntervalMethod: String, ExpressibleByArgument {
    case boot
    case profile
    case wald
}

/// `--ddf`: how a linear model's t tests get their degrees of freedom.
enum DenominatorDegreesOfFreedom: String, ExpressibleByArgument {
    case satterthwaite
    case kenwardRoger = "kenward-roger"
    case none
}
