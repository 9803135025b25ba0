import ArgumentParser
import Foundation
import Marginal

/// `marginal sample`: the posterior of a linear mixed model by NUTS, with the random effects
/// integrated out (by default) and recovered afterwards.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Sample the posterior of a linear or generalized mixed model with NUTS.",
        discussion: """
            By default every random effect is integrated out exactly (unless the design is \
            large and crossed: --marginalize auto below), so the sampler sees only \
            the global parameters (fixed effects b[...], sigma, the random-effect SDs sd[g][...] \
            and correlations cor[g][...]); after sampling, every random effect is drawn from its \
            exact conditional for each posterior draw, so the output is the same whatever is \
            integrated out. Chains run in parallel; the same --seed gives the same draws.

            Strategies (same model and priors, different cost and sampling efficiency):
              --marginalize auto     all, or all but one factor for large crossed designs (default)
              --marginalize all      integrate out every random effect
              --marginalize FACTOR   integrate out one factor's effects, sample the rest
              --marginalize F,G      integrate out several factors' effects, sample the rest
              --marginalize none     sample every random effect
              --fix-sd g=1,h=0.5     random-effect SDs known: only b and sigma are sampled
            Sampled effects are partial (the default), noncentered or, with none, centered \
            (--parameterization); a generalized model's partial or noncentered.

            auto chooses by the cost of an effective draw, gradient cost times the gradients a \
            draw needs. It integrates out every random effect unless the model has crossed \
            grouping factors whose dense block is large for the data: with q the random effects \
            of all grouping factors but the one with the most and N the observations, when \
            q^3 > 600 N (q > 350 for 73,000 rows; a dense gradient costs about q^3/7e10 s, an \
            O(N) one N/4e8 s and takes 3-4 times as many per draw). Then it samples one factor \
            partially non-centered and integrates out all the others, where their own dense \
            block passes the same test: the factor with the most random effects among those \
            (students, with lecturers and department x service integrated out, on lme4's \
            InstEval: 94-168 min-ESS/s over eight seeds, against 21 with the lecturers, nested \
            in departments, sampled instead).

            partial: each level's effect of a one-column factor is standardized by an \
            approximation of its conditional posterior given the global parameters (centered for \
            levels with much data, non-centered for levels with little); warmup then starts from \
            a Laplace approximation of the global parameters. The target posterior is the same.

            Generalized models (--family binomial, bernoulli or poisson with the canonical link): \
            one scalar term's effects, such as (1 | g)'s, can be integrated out level by level by \
            adaptive Gauss-Hermite quadrature (--nagq K points, 15 by default), placed at each \
            level's mode and scaled by its curvature; every other term, scalar or vector such as \
            (1 + x | h) (its correlations under an LKJ prior), is sampled non-centered and enters \
            each level's integral as an offset, so the log density and its gradient stay exact. \
            The integrated effects are then drawn exactly from their conditional by rejection, so \
            the output has every random effect whatever is integrated out. Sampled with partial, \
            each level of a scalar term is standardized by the curvature of the likelihood at \
            the model's Laplace fit (its working weights), as a linear model's are by its data. \
            For them:
              --marginalize auto     every effect sampled, scalar terms partial (measured \
            faster than quadrature: cbpp 21,600 min-ESS/s against 1,344, VerbAgg 136 against \
            46 noncentered)
              --marginalize FACTOR   integrate out FACTOR's scalar term, sample the others \
            noncentered
              --marginalize all      the same when the model has one scalar term only
              --marginalize none     sample every random effect (noncentered, or \
            --parameterization partial)
              --marginalize laplace  integrate out every random effect by the Laplace \
            approximation (Stan's embedded Laplace; exact gradient by the adjoint method): an \
            approximate posterior, which the output says; the effects are drawn from the \
            approximation's Gaussian
            Their default priors are on the link's scale: student-t(3, 0, 2.5) on the intercept, \
            normal(0, 2.5/sd(x)) on the other coefficients, half-student-t(3, 2.5) on each SD, \
            lkj(2) on each correlation matrix.

            Priors are weakly informative and scaled to the data unless set with --prior \
            NAME=DISTRIBUTION (repeatable). NAME is b[COLUMN], sigma, sd[GROUP][COLUMN] or \
            cor[GROUP]; DISTRIBUTION is one of \(Prior.spellings.joined(separator: ", ")). \
            The priors used are printed with the results.

            glmmTMB's structured terms (ar1, cs, toep, ou, exp, gau, mat) are sampled with every \
            random effect integrated out (a generalized model's with --marginalize none): their \
            SDs (sd[GROUP], one for all columns, or sd[GROUP][COLUMN] for cs and toep) and \
            glmmTMB's unconstrained correlation parameters, reported as rho[GROUP], rate, range \
            or smoothness. Each unconstrained parameter's prior, NAME rho.transformed[GROUP], \
            log.range[GROUP] and the like, is normal(start, 1.5) by default, the start being the \
            fit's (rho = 0, a range at the typical gap between coordinates).

            Diagnostics follow Vehtari et al. (2021): rank-normalized split R-hat, bulk and tail \
            ESS and the MCSE of each mean; warnings name divergences, R-hat > 1.01, fewer than \
            100 effective draws per chain, and tree-depth hits.

            Examples:
              marginal sample Examples/sleepstudy.csv -f 'Reaction ~ 1 + Days + (1 + Days | Subject)'
              marginal sample Examples/Penicillin.csv -f 'diameter ~ 1 + (1 | plate) + (1 | sample)' --marginalize plate
              marginal sample Examples/sleepstudy.csv -f 'Reaction ~ Days + (Days | Subject)' \\
                  --prior 'sigma=half-normal(50)' --prior 'cor[Subject]=lkj(4)' --json --draws-out draws.csv
              marginal sample Examples/sleepstudy.csv -f 'Reaction ~ Days + (Days | Subject)' --report posterior.html
              marginal sample Examples/cbpp.csv -f 'cbind(incidence, size - incidence) ~ period + (1 | herd)' --family binomial --factor period
              marginal sample Examples/VerbAgg.csv -f 'r2 ~ Anger + Gender + btype + situ + (1|id) + (1|item)' --family binomial

            --report FILE.html also writes one self-contained HTML page (inline SVG, no network): \
            the summary, the diagnostics table with R-hat > 1.01 and low ESS highlighted, per global \
            parameter a trace plot per chain, a rank histogram per chain and the posterior density \
            with its 5/50/95% quantiles, a pairs plot with divergent transitions marked, the energy \
            plot and E-BFMI, step size (warmup shaded) and tree depth per chain, and caterpillar \
            plots of the recovered random effects.
            """)

    @OptionGroup var dataOptions: DataOptions

    @OptionGroup var familyOptions: FamilyOptions

    @Option(help: "Number of chains, run in parallel.")
    var chains = 4

    @Option(help: "Warmup (adaptation) iterations per chain.")
    var warmup = 1000

    @Option(help: "Post-warmup draws per chain.")
    var draws = 1000

    @Option(help: "Seed of the random streams (same seed, same draws).")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("What to integrate out: auto, all, none, laplace (generalized models), or the names of grouping factors.", valueName: "auto|all|none|laplace|FACTOR[,FACTOR]"))
    var marginalize = "auto"

    @Option(help: ArgumentHelp(
        "How sampled effects are presented: b (centered, --marginalize none only), z with b = Tz (noncentered), or standardized by their approximate conditional (partial).",
        valueName: "centered|noncentered|partial"))
    var parameterization: String?

    @Option(name: .customLong("fix-sd"),
            help: ArgumentHelp("Known random-effect SDs by grouping factor (repeatable or comma-separated); only b and sigma are sampled.", valueName: "GROUP=SD"))
    var fixedSDs: [String] = []

    @Option(name: .customLong("prior"), help: ArgumentHelp("Set one prior (repeatable).", valueName: "NAME=DISTRIBUTION"))
    var priors: [String] = []

    @Option(help: ArgumentHelp(
        "Metric adapted during warmup: globals (dense over the global parameters b, sigma, SDs and correlations, diagonal over sampled random effects; diagonal when every effect is integrated out), diagonal (Stan's diag_e) or dense (Stan's dense_e).",
        valueName: "globals|diagonal|dense"))
    var metric = "globals"

    @Option(name: .customLong("max-depth"), help: "Maximum tree depth (at most 2^depth leapfrog steps per iteration).")
    var maxDepth = 10

    @Option(name: .customLong("target-accept"), help: "Target mean acceptance statistic of step-size adaptation, in (0, 1).")
    var targetAccept = 0.8

    @Flag(name: .customLong("no-recover"), help: "Do not draw the random effects after sampling (faster for large models).")
    var noRecover = false

    @Flag(name: .long, help: "Print JSON (parameters, diagnostics, priors, random effects) instead of text.")
    var json = false

    @Option(name: [.short, .long], help: ArgumentHelp("Write the result to FILE instead of standard output.", valueName: "FILE"))
    var output: String?

    @Option(name: .customLong("draws-out"),
            help: ArgumentHelp("Write every draw (sampler columns, parameters, recovered random effects) to a CSV file.", valueName: "FILE.csv"))
    var drawsOut: String?

    @Option(help: ArgumentHelp("Also write an HTML report with plots (traces, rank plots, densities, pairs, energy, random effects) to FILE.html.", valueName: "FILE.html"))
    var report: String?

    @Flag(name: .long, help: "Do not show progress on stderr (it is shown only when stderr is a terminal).")
    var quiet = false

    func validate() throws {
        // Ranges first: a count near Int.max used to trap on overflow and a huge one to abort in
        // an allocation; what is stored is estimated again once the model is known (``run()``).
        guard (1...256).contains(chains) else { throw ValidationError("--chains must be between 1 and 256; got \(chains)") }
        guard (0...10_000_000).contains(warmup) else { throw ValidationError("--warmup must be between 0 and 10,000,000; got \(warmup)") }
        guard (1...10_000_000).contains(draws) else { throw ValidationError("--draws must be between 1 and 10,000,000; got \(draws)") }
        guard (1...30).contains(maxDepth) else { throw ValidationError("--max-depth must be between 1 and 30; got \(maxDepth)") }
        guard targetAccept > 0, targetAccept < 1 else { throw ValidationError("--target-accept must be in (0, 1); got \(targetAccept)") }
        guard MetricKind(rawValue: metric) != nil else {
            throw ValidationError("--metric is globals, diagonal or dense; got '\(metric)'")
        }
        if let parameterization {
            guard let form = RandomEffectParameterization(rawValue: parameterization) else {
                throw ValidationError("--parameterization is centered, noncentered or partial; got '\(parameterization)'")
            }
            guard !["all", "auto", "laplace"].contains(marginalize) else {
                throw ValidationError("--parameterization applies to --marginalize none or FACTOR (with everything integrated out no effect is sampled)")
            }
            guard form != .centered || marginalize == "none" else {
                throw ValidationError("--parameterization centered applies to --marginalize none; with a factor integrated out use noncentered or partial")
            }
        }
        if !fixedSDs.isEmpty, marginalize != "all", marginalize != "auto" {
            throw ValidationError("--fix-sd integrates out every random effect; it cannot be combined with --marginalize \(marginalize)")
        }
        _ = try knownCovariance()
        for prior in priors {
            do { _ = try Prior(parsing: String(prior.split(separator: "=", maxSplits: 1).last ?? "")) }
            catch { throw ValidationError("--prior '\(prior)': \(error.description)") }
        }
    }

    /// `--fix-sd` as a specification (nil without the option).
    func knownCovariance() throws -> KnownCovarianceSpecification? {
        guard !fixedSDs.isEmpty else { return nil }
        do { return try KnownCovarianceSpecification(parsing: fixedSDs.joined(separator: ",")) }
        catch { throw ValidationError("--fix-sd: \(error.description)") }
    }

    /// The strategy the options name, or nil for the model's own choice (`--marginalize auto`).
    /// The other factors' effects are sampled partial by default, non-centred for a generalized
    /// model (the only form beside its quadrature).
    func strategy(generalized: Bool = false) throws -> SamplingStrategy? {
        if let known = try knownCovariance() { return .knownCovariance(known) }
        let effects = parameterization.flatMap(RandomEffectParameterization.init(rawValue:))
        switch marginalize {
        case "auto": return nil
        case "all": return .marginalizeAll
        case "laplace": return .laplace
        case "none": return .marginalizeNone(effects ?? .nonCentered)
        default:
            let groups = marginalize.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let sampled = effects ?? (generalized ? .nonCentered : .partial)
            guard groups.count > 1 else { return .marginalizeOne(group: marginalize, effects: sampled) }
            return .marginalizeSubset(groups: groups, effects: sampled)
        }
    }

    func run() throws {
        try OutputDestination.validate(outputs: [("--output", output), ("--draws-out", drawsOut), ("--report", report)], inputs: [dataOptions.data])
        let model = try familyOptions.model(design: try dataOptions.design(binaryFactorResponse: familyOptions.readsBinaryFactor))
        let settings = SamplerSettings(
            chains: chains, warmup: warmup, draws: draws, seed: seed, maxTreeDepth: maxDepth,
            targetAcceptance: targetAccept, metric: MetricKind(rawValue: metric) ?? .globals)
        var request = PosteriorRequest(
            strategy: try strategy(generalized: familyOptions.responseFamily != nil), priors: priors, settings: settings, recover: !noRecover, keepEffectDraws: drawsOut != nil)
        if familyOptions.nagq != 1 { request.quadraturePoints = familyOptions.nagq }
        let display = ChainProgressDisplay(chains: chains, enabled: !quiet)
        let posterior = try model.samplePosterior(request) { progress in
            display.update(chain: progress.chain, phase: progress.phase.rawValue, iteration: progress.iteration,
                           total: progress.total, divergences: progress.divergences)
        }
        display.finish()
        let dataName = URL(fileURLWithPath: dataOptions.data).deletingPathExtension().lastPathComponent
        let text = json ? try SampleReport(posterior).json() : posterior.summary(dataName: dataName)
        if let drawsOut {
            try OutputDestination(path: drawsOut).write(csv: posterior.drawsTable())
        }
        if let report {
            let summary = json ? posterior.summary(dataName: dataName) : text
            try OutputDestination(path: report).write(posterior.htmlReport(summary: summary, dataName: dataName).html())
        }
        try OutputDestination(path: output).write(text)
    }
}
