import Foundation
import Testing
@testable import Marginal

/// Responses simulated from saved negative binomial, Gamma and weighted binomial fits, with the
/// conditional modes kept (lme4's `use.u = TRUE`), so that each row's response has a closed form:
/// at μ̂ᵢ (the fit's fitted value), NB2 with the fitted shape k (variance μ + μ²/k), a Gamma with the
/// fitted dispersion φ (variance φμ²), and a binomial proportion of m trials (variance μ(1 − μ)/m).
/// With n = 4,000 seeded draws the sample mean is checked within 5 standard errors √(σ²/n) and the
/// sample variance within 5 of its standard errors σ²√((2 + γ₂)/n), γ₂ the distribution's excess
/// kurtosis (a false alarm has probability below 10⁻⁶ for each).
@Suite struct FamilySimulationTests {
    static let n = 4_000

    /// The draws of `saved` at data row `row` (0-based) with the modes kept.
    static func draws(_ saved: PredictableFit, data: DataFrame, options: DesignOptions, row: Int, seed: UInt64) throws -> [Double] {
        let (_, responses) = try Predictor(saved).simulate(data, options: options, simulations: n, seed: seed, useModes: true)
        return responses.map { $0[row] }
    }

    /// Checks the sample mean and variance of `draws` against the closed forms.
    static func checkMoments(_ draws: [Double], mean: Double, variance: Double, excessKurtosis: Double) {
        let count = Double(draws.count)
        let (m, v) = FormulaSimulationTests.moments(draws)
        #expect(abs(m - mean) < 5 * (variance / count).squareRoot(), "mean \(m) vs \(mean)")
        #expect(abs(v - variance) < 5 * variance * ((2 + excessKurtosis) / count).squareRoot(), "variance \(v) vs \(variance)")
    }

    /// The fit of `formula` to the CSV file `path` (`factor` read as categorical, `prepare` applied
    /// to the data), read back from its JSON as `marginal simulate fit` reads it, and the design
    /// options prediction needs.
    static func fitted(
        _ path: String, factor: String, formula: String, family: any ResponseFamily, link: Link? = nil, weights: String? = nil,
        prepare: (inout DataFrame) throws -> Void = { _ in }
    ) throws -> (fit: GeneralizedLinearMixedModelFit, saved: PredictableFit, data: DataFrame, options: DesignOptions) {
        var csv = CSVOptions()
        csv.factorColumns = [factor]
        var data = try CSVReader.read(path: path, options: csv)
        try prepare(&data)
        var options = DesignOptions(weights: weights)
        let design = try ModelDesign(formula: formula, data: data, options: options)
        let fit = try GeneralizedLinearMixedModel(design: design, family: family, link: link).fit()
        var report = GeneralizedFitReport(fit)
        report.model = ModelSource(data: path, dataFingerprint: "", formula: formula, weights: weights, transformations: design.transformations)
        options.transformations = design.transformations
        return (fit, try PredictableFit.decode(Data(try JSONOutput.encode(report).utf8)), data, options)
    }

    @Test func negativeBinomialCountsHaveTheirMoments() throws {
        let (fit, saved, data, options) = try Self.fitted(
            "Examples/Salamanders.csv", factor: "site", formula: "count ~ mined + (1 | site)", family: NegativeBinomialFamily())
        let k = try #require(fit.dispersion)
        let row = fit.fitted.indices.max { fit.fitted[$0] < fit.fitted[$1] } ?? 0
        let mu = fit.fitted[row]
        let draws = try Self.draws(saved, data: data, options: options, row: row, seed: 3)
        #expect(draws.allSatisfy { $0 >= 0 && $0 == $0.rounded() })
        // R's NB(size k, prob p = k/(k + μ)): excess kurtosis 6/k + p²/(k(1 − p)).
        let p = k / (k + mu)
        Self.checkMoments(draws, mean: mu, variance: mu + mu * mu / k, excessKurtosis: 6 / k + p * p / (k * (1 - p)))
    }

    @Test func gammaDeviatesHaveTheirMoments() throws {
        let (fit, saved, data, options) = try Self.fitted(
            "Examples/gamma_groups.csv", factor: "g", formula: "y ~ x + (1 | g)", family: GammaFamily(), link: .log)
        let phi = try #require(fit.dispersion)
        let mu = fit.fitted[0]
        let draws = try Self.draws(saved, data: data, options: options, row: 0, seed: 5)
        #expect(draws.allSatisfy { $0 > 0 })
        // Shape a = 1/φ: variance μ²/a, excess kurtosis 6/a.
        Self.checkMoments(draws, mean: mu, variance: phi * mu * mu, excessKurtosis: 6 * phi)
    }

    /// cbpp as proportions with the herd sizes as --weights (R's binomial with prior weights).
    @Test func binomialProportionsWithWeightsHaveTheirMoments() throws {
        var size: [Double] = []
        let (fit, saved, data, options) = try Self.fitted(
            "Examples/cbpp.csv", factor: "period", formula: "prop ~ period + (1 | herd)", family: BinomialFamily(), weights: "size"
        ) { data in
            guard case .numeric(let incidence) = try data.column("incidence"), case .numeric(let sizes) = try data.column("size") else { return }
            size = sizes.values
            try data.append("prop", .numeric(NumericColumn(zip(incidence.values, sizes.values).map { $0 / $1 })))
        }
        let (m, mu) = (try #require(size.first), fit.fitted[0])   // row 1: 14 trials
        let draws = try Self.draws(saved, data: data, options: options, row: 0, seed: 7)
        #expect(draws.allSatisfy { $0 >= 0 && $0 <= 1 && abs($0 * m - ($0 * m).rounded()) < 1e-9 }, "proportions of \(m) trials")
        let variance = mu * (1 - mu) / m
        Self.checkMoments(draws, mean: mu, variance: variance, excessKurtosis: (1 - 6 * mu * (1 - mu)) / (m * mu * (1 - mu)))
    }
}

/// `marginal simulate fit` on a saved negative binomial fit, end to end.
@Suite struct FamilySimulateCommandLineTests {
    @Test func simulatesANegativeBinomialFit() throws {
        let folder = try CommandLineTests.temporaryFile("", name: "unused.csv").deletingLastPathComponent()
        let fitFile = folder.appendingPathComponent("nb.json").path
        let fit = try CommandLineTests.marginal([
            "fit", "Examples/Salamanders.csv", "-f", "count ~ mined + (1 | site)", "--family", "negative-binomial", "--factor", "site",
            "--json", "-o", fitFile, "--quiet",
        ])
        #expect(fit.status == 0, "\(fit.stderr)")
        let run = try CommandLineTests.marginal(["simulate", "fit", fitFile, "--nsim", "2", "--seed", "9"])
        #expect(run.status == 0, "\(run.stderr)")
        let values = run.stdout.split(separator: "\n").dropFirst().flatMap { $0.split(separator: ",").dropFirst().compactMap { Double($0) } }
        #expect(!values.isEmpty && values.allSatisfy { $0 >= 0 && $0 == $0.rounded() })
    }
}
