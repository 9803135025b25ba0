import Foundation
import Testing
@testable import Marginal

/// Every strategy samples the same posterior, so their posterior means of the global parameters
/// must agree within Monte Carlo error: |m_a − m_b| ≤ 4.5 √(mcse_a² + mcse_b²) for every
/// parameter (fixed seed; at most ~40 comparisons, so a bound of 4.5 leaves a false-alarm
/// probability below 3e-4 for a correct sampler).
@Suite struct StrategyAgreementTests {
    static let bound = 4.5
    static let settings = SamplerSettings(chains: 4, warmup: 200, draws: 400, seed: 2024)

    static func samples(_ model: LinearMixedModel, _ strategies: [SamplingStrategy]) throws -> [PosteriorSample] {
        try strategies.map { strategy in
            try BayesianMixedModel(model: model, strategy: strategy).sample(settings: settings, recover: false)
        }
    }

    @Test func sleepstudyStrategiesAgree() throws {
        let data = try FormulaTestData.example("sleepstudy", factors: ["Subject"])
        let model = try LinearMixedModel(formula: "Reaction ~ 1 + Days + (1 + Days | Subject)", data: data)
        let runs = try Self.samples(model, [.marginalizeAll, .marginalizeOne(group: "Subject"), .marginalizeNone(.nonCentered)])
        for run in runs {
            #expect(run.divergences == 0)
            #expect(run.parameters.allSatisfy { $0.rhat < 1.02 })
        }
        for other in runs.dropFirst() {
            let worst = BayesianTestData.largestZScore(runs[0], other)
            #expect(worst.z < Self.bound, "\(other.strategy): \(worst.name) differs by \(worst.z) MCSE")
        }
        // A check that the comparison has teeth: the posterior mean of the slope is near lme4's 10.47.
        let slope = try #require(runs[0].parameters.first { $0.name == "b[Days]" })
        #expect(abs(slope.mean - 10.467) < 0.5)
    }

    @Test func crossedSyntheticStrategiesAgree() throws {
        let model = try LinearMixedModel(formula: "y ~ 1 + x + (1 | g) + (1 | h)", data: BayesianTestData.crossed())
        let runs = try Self.samples(model, [
            .marginalizeAll, .marginalizeOne(group: "g"), .marginalizeOne(group: "h"), .marginalizeNone(.nonCentered),
            .marginalizeOne(group: "g", effects: .nonCentered), .marginalizeNone(.partial),
        ])
        for other in runs.dropFirst() {
            let worst = BayesianTestData.largestZScore(runs[0], other)
            #expect(worst.z < Self.bound, "\(other.strategy): \(worst.name) differs by \(worst.z) MCSE")
        }
    }
}
