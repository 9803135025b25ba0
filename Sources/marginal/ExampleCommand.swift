import ArgumentParser
import Foundation
import Marginal

/// `marginal example`: runnable demonstrations whose claims the tests check.
struct ExampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "example",
        abstract: "Run a demonstration of how the estimation strategy decides the answer.",
        subcommands: [NeymanScottCommand.self, PriorVarianceCommand.self, PriorMeanCommand.self, BinaryVarianceCommand.self, AladynCommand.self]
    )
}

/// Text or JSON output and its destination, shared by the examples.
struct ExampleOutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    @Option(name: [.short, .long], help: ArgumentHelp("Write the result to FILE instead of standard output.", valueName: "FILE"))
    var output: String?

    @Option(help: ArgumentHelp("Also write a self-contained HTML report with the example's plots to FILE.html.", valueName: "FILE.html"))
    var report: String?

    /// The outputs to check before any work starts, with `--write-data`'s path.
    func outputs(writeData: String?) -> [(option: String, path: String?)] {
        [("--output", output), ("--report", report), ("--write-data", writeData)]
    }

    /// Writes the result (text or JSON) and, with `--report`, the page `page` makes.
    func write<Result: Encodable>(_ result: Result, text: String, page: () throws -> HTMLReport) throws {
        if let report { try OutputDestination(path: report).write(try page().html()) }
        let body: String
        if json {
            body = try JSONOutput.encode(result)
        } else {
            body = text
        }
        try OutputDestination(path: output).write(body)
    }
}

/// `marginal example neyman-scott`.
struct NeymanScottCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "neyman-scott",
        abstract: "Joint vs marginal maximum likelihood for pairs with one nuisance mean each.",
        discussion: """
            Simulates pairs y_i1, y_i2 ~ N(mu_i, theta) and estimates the variance theta by the joint \
            MLE over (mu, theta), which tends to theta/2, by the marginal MLE with the means integrated \
            out (from the pair differences), which tends to theta, and by EM with the means as missing \
            data, which converges to the marginal MLE. JSON keys: truth, jointMLE, marginalMLE, em, \
            emIterations. --report FILE.html writes the joint and marginal MLEs against the number of \
            pairs (the same seed at 10, 30, 100, ... pairs) and EM's steps as an HTML page.
            """)

    @Option(help: "Number of pairs.")
    var pairs: Int = 100_000

    @Option(help: "The true variance theta of each observation.")
    var theta: Double = 2

    @Option(help: "Seed of the random stream.")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Also write the simulated pairs to FILE (CSV: y, pair), for `marginal compare -f '\(NeymanScottExample.formula)'`.", valueName: "FILE"))
    var writeData: String?

    @OptionGroup var outputOptions: ExampleOutputOptions

    func validate() throws {
        guard pairs >= 1 else { throw ValidationError("--pairs must be at least 1; got \(pairs)") }
        guard theta.isFinite, theta > 0 else { throw ValidationError("--theta must be a positive variance; got \(theta)") }
    }

    func run() throws {
        let example = NeymanScottExample(pairs: pairs, theta: theta, seed: seed)
        try OutputDestination.validate(outputs: outputOptions.outputs(writeData: writeData), inputs: [])
        if let writeData { try OutputDestination(path: writeData).write(csv: try example.simulatedData()) }
        let result = try example.run()
        try outputOptions.write(result, text: result.text) { try example.htmlReport(result: result) }
    }
}

/// `marginal example prior-variance`.
struct PriorVarianceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prior-variance",
        abstract: "Why a prior variance cannot be learned by joint maximization, and what works.",
        discussion: """
            Simulates y = w x + e (x ~ N(0, 1), e ~ N(0, s^2), s known) and puts the prior \
            w ~ N(0, sigma^2) on w. Reports the stationary points of the joint log density in \
            (w, log sigma^2) with their Hessian eigenvalues, its growth without bound along \
            w = sigma -> 0, the empirical-Bayes estimate (closed form and numerical) and the \
            K-fold cross-validated sigma^2. --write-data saves the data (CSV: y, x, g) for \
            `marginal compare DATA.csv -f '\(PriorVarianceExample.formula)'`: w is the random slope of x \
            in a grouping factor g with a single level, which lme4 refuses and Marginal fits with a \
            warning. compare estimates s too, so its ml column matches the empirical-Bayes estimate \
            with s estimated (JSON: empiricalBayes.noiseEstimated), not the known-s one. --report \
            FILE.html writes the joint log density over (w, sigma^2) as a heat map with its stationary \
            points and the empirical-Bayes estimate, and the density along w = sigma -> 0.
            """)

    @Option(help: "Number of observations.")
    var observations: Int = 20

    @Option(help: "The w that generates the data.")
    var w: Double = 1

    @Option(help: "The known noise standard deviation s.")
    var noiseSD: Double = 1

    @Option(help: "Number of cross-validation folds.")
    var folds: Int = 5

    @Option(help: "Seed of the random stream.")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Also write the simulated data to FILE (CSV: y, x, g), for `marginal compare -f '\(PriorVarianceExample.formula)'`.", valueName: "FILE"))
    var writeData: String?

    @OptionGroup var outputOptions: ExampleOutputOptions

    func validate() throws {
        guard observations >= 2 else { throw ValidationError("--observations must be at least 2; got \(observations)") }
        guard w.isFinite else { throw ValidationError("--w must be a finite number; got \(w)") }
        guard noiseSD.isFinite, noiseSD > 0 else { throw ValidationError("--noise-sd must be positive; got \(noiseSD)") }
        guard folds >= 2, folds <= observations else {
            throw ValidationError("--folds must be between 2 and the number of observations (\(observations)); got \(folds)")
        }
    }

    func run() throws {
        let example = PriorVarianceExample(observations: observations, w: w, noiseSD: noiseSD, folds: folds, seed: seed)
        try OutputDestination.validate(outputs: outputOptions.outputs(writeData: writeData), inputs: [])
        if let writeData { try OutputDestination(path: writeData).write(csv: try example.simulatedData()) }
        let result = try example.run()
        try outputOptions.write(result, text: result.text) { result.htmlReport() }
    }
}

/// `marginal example prior-mean`.
struct PriorMeanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prior-mean",
        abstract: "Group-level coefficients in the prior mean: ML/REML, joint MAP centered and non-centered, NUTS.",
        discussion: """
            Simulates u_j ~ N(mu + W_j gamma, tau^2) for groups j with group-level covariates W (think \
            genetic scores) and y_ij ~ N(u_j, sigma^2), with known gamma, and estimates gamma by ML and \
            REML (gamma as fixed effects of the group-level covariates), by joint MAP with tau held at \
            its true value in the centered form (u free) and the non-centered form (u = mu + W gamma + \
            tau z), each by Adam with a fixed budget and by L-BFGS to convergence, and by NUTS. Reports \
            the slope of gamma-hat on the true gamma and the gradient flow of each joint MAP run. JSON \
            keys: truth, formula, groups, perGroup, fits (method, intercept, gamma, slope, \
            slopeStandardError, tau, sigma, objective, iterations, converged, gradientFlow, seconds). \
            --write-data saves the simulated data for `marginal compare`. --report FILE.html writes \
            gamma-hat against the true gamma per method, the slopes and the gradient flows as an HTML page.
            """)

    @Option(help: "Number of groups.")
    var groups: Int = 200

    @Option(help: "Observations per group.")
    var perGroup: Int = 4

    @Option(help: "Number of group-level covariates (the length of gamma).")
    var covariates: Int = 10

    @Option(help: "SD of the true gamma coefficients (drawn from N(0, SD^2)).")
    var gammaSD: Double = 0.5

    @Option(help: "The true tau (SD of the group effects around their mean).")
    var tau: Double = 1

    @Option(help: "The true sigma (residual SD).")
    var sigma: Double = 2

    @Option(help: "Adam's fixed budget (iterations) for the budgeted joint MAP runs.")
    var adamBudget: Int = 200

    @Option(help: "Adam's learning rate.")
    var learningRate: Double = 0.02

    @Option(help: "NUTS chains (0 skips NUTS).")
    var chains: Int = 2

    @Option(help: "NUTS warmup iterations per chain.")
    var warmup: Int = 300

    @Option(help: "NUTS draws per chain.")
    var draws: Int = 300

    @Option(help: "Seed of the random streams.")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Also write the simulated data to FILE (CSV).", valueName: "FILE"))
    var writeData: String?

    @OptionGroup var outputOptions: ExampleOutputOptions

    var example: PriorMeanExample {
        PriorMeanExample(
            groups: groups, perGroup: perGroup, covariates: covariates, gammaSD: gammaSD, tau: tau, sigma: sigma, seed: seed,
            adamBudget: adamBudget, adamLearningRate: learningRate, nutsChains: chains, nutsWarmup: warmup, nutsDraws: draws)
    }

    func validate() throws {
        do { try example.validate() } catch { throw ValidationError(error.description) }
    }

    func run() throws {
        try OutputDestination.validate(outputs: outputOptions.outputs(writeData: writeData), inputs: [])
        if let writeData {
            try OutputDestination(path: writeData).write(csv: try example.simulate().data)
        }
        let result = try example.run()
        try outputOptions.write(result, text: result.text) { result.htmlReport() }
    }
}

/// `marginal example binary-variance`.
struct BinaryVarianceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "binary-variance",
        abstract: "How each estimation strategy recovers a random-intercept SD from binary outcomes.",
        discussion: """
            Simulates --replicates data sets of --groups groups of --per-group Bernoulli outcomes with \
            a random intercept of SD --tau (y ~ 1 + (1 | g)), and estimates the SD from each by the \
            Laplace approximation (glmer's default), adaptive quadrature (--nagq points), penalized \
            quasi-likelihood (glmmPQL), joint MAP (the effects maximized too) and NUTS (the effects \
            integrated out by quadrature; posterior mean and the coverage of its central 90% \
            interval). Prints each method's mean estimate, bias and RMSE. JSON keys: truth, \
            replicates, methods (method, meanEstimate, bias, rmse, and coverage for nuts). The \
            replicates run in parallel; the defaults (500 groups of 5, 50 replicates) take a few \
            minutes, most of it NUTS.
            """)

    @Option(help: "Number of groups.")
    var groups = 500

    @Option(name: .customLong("per-group"), help: "Bernoulli outcomes per group.")
    var perGroup = 5

    @Option(help: "The true random-intercept SD.")
    var tau = 1.0

    @Option(help: "Number of simulated data sets.")
    var replicates = 50

    @Option(help: "Seed of the random streams.")
    var seed: UInt64 = 1

    @Option(help: "Adaptive quadrature points of the aghq row.")
    var nagq = 25

    @Option(name: .customLong("nuts-draws"), help: "NUTS warmup iterations and draws per chain (2 chains).")
    var nutsDraws = 500

    @Flag(name: .long, help: "Do not show progress on stderr.")
    var quiet = false

    @OptionGroup var outputOptions: ExampleOutputOptions

    func validate() throws {
        guard groups >= 2 else { throw ValidationError("--groups must be at least 2; got \(groups)") }
        guard perGroup >= 1 else { throw ValidationError("--per-group must be at least 1; got \(perGroup)") }
        guard tau.isFinite, tau > 0 else { throw ValidationError("--tau must be a positive SD; got \(tau)") }
        guard (1...10_000).contains(replicates) else { throw ValidationError("--replicates must be between 1 and 10,000; got \(replicates)") }
        guard (2...GeneralizedLinearMixedModel.maximumQuadraturePoints).contains(nagq) else {
            throw ValidationError("--nagq must be between 2 and \(GeneralizedLinearMixedModel.maximumQuadraturePoints); got \(nagq)")
        }
        guard (10...100_000).contains(nutsDraws) else { throw ValidationError("--nuts-draws must be between 10 and 100,000; got \(nutsDraws)") }
    }

    func run() throws {
        try OutputDestination.validate(outputs: outputOptions.outputs(writeData: nil), inputs: [])
        var example = BinaryVarianceExample(groups: groups, perGroup: perGroup, tau: tau, replicates: replicates, seed: seed)
        example.quadraturePoints = nagq
        example.nutsWarmup = nutsDraws
        example.nutsDraws = nutsDraws
        let progress = ReplicateProgress(line: ProgressLine(enabled: !quiet), total: replicates)
        let result = try example.run { _ in progress.advance() }
        progress.finish()
        try outputOptions.write(result, text: result.text) { result.htmlReport() }
    }
}

/// The replicates done, shown on one progress line; advanced from the replicates' threads.
private final class ReplicateProgress: @unchecked Sendable {
    private let line: ProgressLine
    private let total: Int
    private var done = 0
    private let lock = NSLock()

    init(line: ProgressLine, total: Int) {
        self.line = line
        self.total = total
    }

    func advance() {
        lock.lock()
        defer { lock.unlock() }
        done += 1
        line.update("binary-variance: \(done) of \(total) replicates")
    }

    func finish() { line.finish() }
}
