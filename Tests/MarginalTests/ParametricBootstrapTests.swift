import Foundation
import Testing
@testable import Marginal

/// The parametric bootstrap's percentile intervals: reproducible from the seed, and covering the
/// truth at about their level over simulated datasets.
@Suite struct ParametricBootstrapTests {
    /// y = 1 + 0.5x + b_g + ε, 20 groups of 5, b ~ N(0, 1), ε ~ N(0, 1); the base design's
    /// response is replaced for each dataset.
    static func baseModel() throws -> LinearMixedModel {
        var random = RandomSource(seed: 99)
        var csv = "y,x,g\n"
        for i in 0..<100 { csv += "\(random.normal()),\(random.normal()),g\(i / 5)\n" }
        let data = try CSVReader.read(bytes: Array(csv.utf8))
        return try LinearMixedModel(design: ModelDesign(formula: "y ~ 1 + x + (1 | g)", data: data))
    }

    @Test func reproducibleFromTheSeed() throws {
        let model = try LinearMixedModel(design: ModelDesign(formula: "Reaction ~ Days + (Days | Subject)", data: CSVReader.read(path: "Examples/sleepstudy.csv")))
        let fit = try model.fit()
        let a = model.parametricBootstrap(fit, simulations: 50, seed: 7)
        let b = model.parametricBootstrap(fit, simulations: 50, seed: 7)
        #expect(a.intervals.map(\.lower) == b.intervals.map(\.lower) && a.failed == 0)
        #expect(a.intervals.map(\.name) == ["b[(Intercept)]", "b[Days]", "sigma", "sd[Subject][(Intercept)]", "sd[Subject][Days]", "cor[Subject][(Intercept),Days]"])
        for interval in a.intervals where !interval.name.hasPrefix("cor") {
            #expect(interval.lower < interval.estimate && interval.estimate < interval.upper, "\(interval)")
        }
    }

    /// Over 100 datasets (seeded) with 199 bootstrap refits each, the 95% intervals of the slope
    /// and of σ cover the truth in 95% ± 2.2% (binomial SD) of them: the bound 87% is 3.6 SDs below.
    /// A variance component's percentile interval can undercover with few groups (its estimate is
    /// skewed), so the random-intercept SD's bound is 85% (93% here).
    @Test func intervalsCoverTheTruth() throws {
        let base = try Self.baseModel()
        let x = base.design.fixedEffects.matrix
        let codes = base.design.randomEffects[0].codes
        var random = RandomSource(seed: 2024)
        var covered = (slope: 0, sigma: 0, sd: 0)
        let datasets = 100
        for replicate in 0..<datasets {
            let b = (0..<20).map { _ in random.normal() }
            let y = (0..<100).map { i in 1 + 0.5 * x[i, 1] + b[Int(codes[i])] + random.normal() }
            let model = base.replacingResponse(y)
            let intervals = model.parametricBootstrap(try model.fit(), simulations: 199, seed: UInt64(replicate)).intervals
            func covers(_ name: String, _ truth: Double) -> Int {
                intervals.first { $0.name == name }.map { $0.lower <= truth && truth <= $0.upper ? 1 : 0 } ?? 0
            }
            covered.slope += covers("b[x]", 0.5)
            covered.sigma += covers("sigma", 1)
            covered.sd += covers("sd[g][(Intercept)]", 1)
        }
        #expect(covered.slope >= 87 && covered.sigma >= 87 && covered.sd >= 85, "\(covered)")
    }

    @Test func commandPrintsTheIntervals() throws {
        let arguments = ["fit", "Examples/Dyestuff.csv", "-f", "Yield ~ 1 + (1 | Batch)", "--confint", "boot", "--nsim", "200", "--seed", "3"]
        let text = try CommandLineTests.marginal(arguments)
        #expect(text.status == 0 && text.stdout.contains("Parametric bootstrap confidence intervals (200 simulations, percentile, seed 3):"), "\(text.stderr)")
        #expect(text.stdout.contains("2.5 %") && text.stdout.contains("sd[Batch][(Intercept)]"))
        let json = try CommandLineTests.marginal(arguments + ["--json", "--level", "0.9"])
        let confint = try #require((try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["confint"] as? [String: Any])
        #expect(confint["simulations"] as? Int == 200 && confint["level"] as? Double == 0.9 && (confint["intervals"] as? [Any])?.count == 3)
        let generalized = try CommandLineTests.marginal(["fit", "Examples/cbpp.csv", "-f", "incidence ~ period + (1 | herd)", "--family", "poisson", "--confint", "boot", "--nsim", "20"])
        #expect(generalized.status == 0 && generalized.stdout.contains("sd[herd][(Intercept)]"), "\(generalized.stderr)")
        let profiled = try CommandLineTests.marginal(["fit", "Examples/cbpp.csv", "-f", "incidence ~ period + (1 | herd)", "--family", "poisson", "--confint", "profile"])
        #expect(profiled.status == 0 && profiled.stdout.contains("profile of the Laplace deviance"), "\(profiled.stderr)")
    }
}
