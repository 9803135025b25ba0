import ArgumentParser
import Foundation
import Marginal

/// `marginal example`: runnable demonstrations whose claims the tests check.
struct ExampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "example",
        abstract: "Run a demonstration of how the estimation strategy decides the answer.",
        subcommands: [NeymanScottCommand.self, PriorVarianceCommand.self]
    )
}

/// Text or JSON output and its destination, shared by the examples.
struct ExampleOutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    @Option(name: [.short, .long], help: ArgumentHelp("Write the result to FILE instead of standard output.", valueName: "FILE"))
    var output: String?

    func write<Result: Encodable>(_ result: Result, text: String) throws {
        let body: String
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Inf", negativeInfinity: "-Inf", nan: "NaN")
            body = String(decoding: try encoder.encode(result), as: UTF8.self)
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
            emIterations.
            """)

    @Option(help: "Number of pairs.")
    var pairs: Int = 100_000

    @Option(help: "The true variance theta of each observation.")
    var theta: Double = 2

    @Option(help: "Seed of the random stream.")
    var seed: UInt64 = 1

    @OptionGroup var outputOptions: ExampleOutputOptions

    func validate() throws {
        guard pairs >= 1 else { throw ValidationError("--pairs must be at least 1; got \(pairs)") }
        guard theta.isFinite, theta > 0 else { throw ValidationError("--theta must be a positive variance; got \(theta)") }
    }

    func run() throws {
        let result = try NeymanScottExample(pairs: pairs, theta: theta, seed: seed).run()
        try outputOptions.write(result, text: result.text)
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
            K-fold cross-validated sigma^2.
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
        let result = try example.run()
        try outputOptions.write(result, text: result.text)
    }
}
