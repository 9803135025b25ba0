import Foundation
import Testing
@testable import Marginal

/// Responses simulated from a saved linear fit (lme4's `simulate`): their mean and variance at a
/// row against the model's, with bounds of 5 standard errors for 4,000 simulations, and the seed.
@Suite struct FormulaSimulationTests {
    static func saved() throws -> (PredictableFit, LinearMixedModelFit, DesignOptions, DataFrame) {
        let data = try CSVReader.read(path: "Examples/sleepstudy.csv")
        let formula = "Reaction ~ Days + (Days | Subject)"
        let design = try ModelDesign(formula: formula, data: data)
        let fit = try LinearMixedModel(design: design).fit(criterion: .reml)
        var report = FitReport(fit)
        report.model = ModelSource(data: "sleepstudy.csv", dataFingerprint: "", formula: formula, transformations: design.transformations)
        var options = DesignOptions()
        options.transformations = design.transformations
        return (try PredictableFit.decode(Data(try JSONOutput.encode(report).utf8)), fit, options, data)
    }

    static func moments(_ values: [Double]) -> (mean: Double, variance: Double) {
        let mean = values.reduce(0, +) / Double(values.count)
        return (mean, values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1))
    }

    @Test func newEffectsHaveTheModelsMoments() throws {
        let (saved, fit, options, data) = try Self.saved()
        let n = 4_000.0
        let (rows, responses) = try Predictor(saved).simulate(data, options: options, simulations: Int(n), seed: 11)
        #expect(rows.count == 180 && responses.count == Int(n))
        // Row 1 (Days 0): mean β₀, variance σ² + σ₀² (the intercept's variance).
        let (mean, variance) = Self.moments(responses.map { $0[0] })
        let sd0 = fit.varianceComponents[0].standardDeviations[0]
        let expected = fit.sigma * fit.sigma + sd0 * sd0
        #expect(abs(mean - fit.fixedEffects[0].estimate) < 5 * (expected / n).squareRoot(), "\(mean)")
        #expect(abs(variance - expected) < 5 * expected * (2 / n).squareRoot(), "\(variance) vs \(expected)")
        let again = try Predictor(saved).simulate(data, options: options, simulations: 2, seed: 11)
        #expect(again.responses[0] == responses[0] && again.responses[1] == responses[1])
    }

    /// cbpp's binomial fit with its modes: successes out of `size` with mean size · μ̂ at each row.
    @Test func binomialCountsFollowTheFittedProbabilities() throws {
        let (fit, saved, data, options) = try FamilySimulationTests.fitted(
            "Examples/cbpp.csv", factor: "period", formula: "cbind(incidence, size - incidence) ~ period + (1 | herd)", family: BinomialFamily())
        let n = 4_000.0
        let (_, responses) = try Predictor(saved).simulate(data, options: options, simulations: Int(n), seed: 2, useModes: true)
        let size = 14.0  // row 1 of cbpp
        let p = fit.fitted[0]
        let (m, v) = Self.moments(responses.map { $0[0] })
        #expect(abs(m - size * p) < 5 * (size * p * (1 - p) / n).squareRoot(), "\(m) vs \(size * p)")
        #expect(abs(v - size * p * (1 - p)) < 5 * size * p * (1 - p) * (2 / n).squareRoot() + 0.1, "\(v)")

        // An unknown family is refused by name; a Gamma fit without its dispersion too.
        var report = GeneralizedFitReport(fit)
        report.model = ModelSource(data: "cbpp.csv", dataFingerprint: "", formula: fit.formula)
        var object = try #require(try JSONSerialization.jsonObject(with: Data(try JSONOutput.encode(report).utf8)) as? [String: Any])
        object["family"] = "tweedie"
        let tweedie = try PredictableFit.decode(try JSONSerialization.data(withJSONObject: object))
        #expect(throws: Predictor.SimulationError.unsupportedFamily("tweedie")) {
            _ = try Predictor(tweedie).simulate(data, options: options, simulations: 1, seed: 1)
        }
        object["family"] = "gamma"
        let gamma = try PredictableFit.decode(try JSONSerialization.data(withJSONObject: object))
        #expect(throws: Predictor.SimulationError.missingDispersion("gamma")) {
            _ = try Predictor(gamma).simulate(data, options: options, simulations: 1, seed: 1)
        }
    }

    @Test func modesKeepTheFittedValues() throws {
        let (saved, fit, options, data) = try Self.saved()
        let n = 4_000.0
        let (_, responses) = try Predictor(saved).simulate(data, options: options, simulations: Int(n), seed: 5, useModes: true)
        let (mean, variance) = Self.moments(responses.map { $0[37] })
        #expect(abs(mean - fit.fitted[37]) < 5 * fit.sigma / n.squareRoot(), "\(mean) vs \(fit.fitted[37])")
        #expect(abs(variance - fit.sigma * fit.sigma) < 5 * fit.sigma * fit.sigma * (2 / n).squareRoot())
    }
}

/// `marginal simulate fit` end to end: seeded, one column per simulation; binomial counts.
@Suite struct FormulaSimulateCommandLineTests {
    @Test func simulatesFromASavedFit() throws {
        let folder = try CommandLineTests.temporaryFile("", name: "unused.csv").deletingLastPathComponent()
        let fitFile = folder.appendingPathComponent("fit.json")
        let fit = try CommandLineTests.marginal([
            "fit", "Examples/sleepstudy.csv", "-f", "Reaction ~ Days + (Days | Subject)", "--json", "-o", fitFile.path, "--quiet",
        ])
        #expect(fit.status == 0, "\(fit.stderr)")
        let first = try CommandLineTests.marginal(["simulate", "fit", fitFile.path, "--nsim", "3", "--seed", "4"])
        let second = try CommandLineTests.marginal(["simulate", "fit", fitFile.path, "--nsim", "3", "--seed", "4"])
        #expect(first.status == 0, "\(first.stderr)")
        let lines = first.stdout.split(separator: "\n")
        #expect(lines.first == "row,sim_1,sim_2,sim_3" && lines.count == 181)
        #expect(first.stdout == second.stdout)

        let glmm = folder.appendingPathComponent("glmm.json")
        _ = try CommandLineTests.marginal([
            "fit", "Examples/cbpp.csv", "-f", "cbind(incidence, size - incidence) ~ period + (1 | herd)", "--family", "binomial",
            "--factor", "period", "--json", "-o", glmm.path, "--quiet",
        ])
        let binomial = try CommandLineTests.marginal(["simulate", "fit", glmm.path, "--nsim", "2", "--use-modes"])
        #expect(binomial.status == 0, "\(binomial.stderr)")
        // Row 1 of cbpp has size 14: each simulated count is a whole number from 0 to 14.
        let counts = binomial.stdout.split(separator: "\n")[1].split(separator: ",").dropFirst().compactMap { Double($0) }
        #expect(counts.count == 2 && counts.allSatisfy { $0 >= 0 && $0 <= 14 && $0 == $0.rounded() }, "\(binomial.stdout.prefix(80))")
    }
}
