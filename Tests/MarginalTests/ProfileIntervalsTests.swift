import Foundation
import Testing
@testable import Marginal

/// Profile-likelihood intervals against lme4 1.1-31's `confint(fit, method = "profile")` on fits
/// with tight optimizer tolerances (lme4 profiles the ML deviance for REML fits too, so the REML
/// and ML fits give the same intervals). lme4 reads its ends off a spline through a grid of ζ and
/// moves by up to 2e-5 between runs; the bound is 1e-3 relative, as the issue asks.
@Suite struct ProfileIntervalsTests {
    static let sleepstudy: [(String, Double, Double)] = [
        ("b[(Intercept)]", 237.6806954891, 265.1295146187), ("b[Days]", 7.3586532600, 13.5759187523),
        ("sigma", 22.8982669197, 28.8579964935),
        ("sd[Subject][(Intercept)]", 14.3814306507, 37.7159945146), ("sd[Subject][Days]", 3.8011640949, 8.7533831505),
        ("cor[Subject][(Intercept),Days]", -0.4815007233, 0.6849858643),
    ]
    static let dyestuff: [(String, Double, Double)] = [
        ("b[(Intercept)]", 1486.45149997, 1568.54849437), ("sigma", 38.22998488, 67.65769624), ("sd[Batch][(Intercept)]", 12.19853523, 84.06304669),
    ]

    @Test(arguments: [("sleepstudy", "Reaction ~ Days + (Days | Subject)", FitCriterion.reml), ("sleepstudy", "Reaction ~ Days + (Days | Subject)", .ml),
                      ("Dyestuff", "Yield ~ 1 + (1 | Batch)", .ml)])
    func matchesLme4(_ file: String, _ formula: String, _ criterion: FitCriterion) throws {
        var options = CSVOptions()
        options.factorColumns = file == "sleepstudy" ? ["Subject"] : ["Batch"]
        let model = try LinearMixedModel(design: ModelDesign(formula: formula, data: CSVReader.read(path: "Examples/\(file).csv", options: options)))
        let intervals = try model.profileIntervals(model.fit(criterion: criterion))
        let expected = file == "sleepstudy" ? Self.sleepstudy : Self.dyestuff
        #expect(intervals.intervals.count == expected.count)
        for (name, lower, upper) in expected {
            let interval = try #require(intervals.intervals.first { $0.name == name }, "\(name) in \(intervals.intervals.map(\.name))")
            #expect(relativeError(interval.lower, lower) < 1e-3, "\(name) lower \(interval.lower) vs \(lower)")
            #expect(relativeError(interval.upper, upper) < 1e-3, "\(name) upper \(interval.upper) vs \(upper)")
        }
        #expect(intervals.notes.isEmpty)
    }
}
