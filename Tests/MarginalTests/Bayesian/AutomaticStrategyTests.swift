import Foundation
import Testing
@testable import Marginal

/// `--marginalize auto` (``SamplingStrategy/automatic(for:)``): everything integrated out unless
/// the dense block q (random effects of every factor but the one with the most) has q³ > 600·N;
/// then one factor sampled (the one with the most effects) and all the others integrated out,
/// where their own dense block passes the same test.
@Suite struct AutomaticStrategyTests {
    /// InstEval-shaped data with `lecturers` lecturers and `students` students over `rows` rows.
    static func crossed(rows: Int, students: Int, lecturers: Int) throws -> LinearMixedModel {
        var simulation = InstEvalSimulation(seed: 4)
        simulation.rows = rows
        simulation.students = students
        simulation.lecturers = lecturers
        simulation.departments = 4
        return try LinearMixedModel(formula: "y ~ 1 + (1 | s) + (1 | d)", data: simulation.generate().frame)
    }

    @Test func smallDenseBlocksIntegrateEverythingOut() throws {
        #expect(SamplingStrategy.automatic(for: try AlternativeDensitySupport.penicillin()) == .marginalizeAll)
        #expect(SamplingStrategy.automatic(for: try AlternativeDensitySupport.sleepstudy()) == .marginalizeAll)
        // 2,500 rows, q = 110 lecturers: 110³ = 1.33·10⁶ ≤ 600·2,500 = 1.5·10⁶, so everything out.
        let model = try Self.crossed(rows: 2_500, students: 300, lecturers: 110)
        #expect(model.blocks.map(\.group) == ["s", "d"])
        #expect(SamplingStrategy.automatic(for: model) == .marginalizeAll)
    }

    @Test func largeDenseBlocksIntegrateOutTheFactorWithTheMostDataPerLevel() throws {
        // q = 120 lecturers for 1,500 rows: 120³ = 1.7·10⁶ > 600·1,500 = 9·10⁵; lecturers have
        // 12.5 rows each, students 5.
        let model = try Self.crossed(rows: 1_500, students: 300, lecturers: 120)
        #expect(SamplingStrategy.automatic(for: model) == .marginalizeOne(group: "d", effects: .partial))
        // The library's default stays everything integrated out; a request without a strategy
        // (the command line's auto) takes the automatic one.
        #expect(BayesianMixedModel(model: model).strategy == .marginalizeAll)
        let settings = SamplerSettings(chains: 1, warmup: 20, draws: 5, seed: 3)
        let posterior = try (model as any MixedModel).samplePosterior(PosteriorRequest(settings: settings, recover: false), progress: nil)
        #expect(posterior.strategy == .marginalizeOne(group: "d", effects: .partial))
    }

    /// Three crossed factors on the course-evaluation shape: 2,000 rows, 300 students, 150
    /// lecturers and 8 department cells. All out fails (158³ > 600·2,000); sampling the students
    /// leaves lecturers and cells, whose dense block of 8 is cheap, and students have the most
    /// effects, so lecturers and cells are integrated out together.
    @Test func threeCrossedFactorsIntegrateOutAllButTheLargest() throws {
        var simulation = InstEvalSimulation(seed: 5)
        simulation.rows = 2_000
        simulation.students = 300
        simulation.lecturers = 150
        simulation.departments = 8
        let model = try LinearMixedModel(formula: "y ~ 1 + (1 | s) + (1 | d) + (1 | dept)", data: simulation.generate().frame)
        #expect(SamplingStrategy.automatic(for: model) == .marginalizeSubset(groups: ["d", "dept"], effects: .partial))
    }

    /// The request's memory limit is checked before anything runs: β, σ, θ and, with recovery,
    /// every random effect per draw.
    @Test func drawsThatDoNotFitAreRefused() throws {
        let model = try AlternativeDensitySupport.sleepstudy()
        let settings = SamplerSettings(chains: 4, warmup: 10, draws: 1000, seed: 1)
        // 2 + 1 + 3 + 36 values per draw, 4,000 draws: 1,344,000 bytes.
        #expect(throws: BayesianError.drawsTooLarge(chains: 4, draws: 1000, valuesPerDraw: 42, bytes: 1_344_000, available: 1e6, withEffects: true)) {
            try model.samplePosterior(PosteriorRequest(settings: settings, memoryLimit: 1e6))
        }
        #expect(throws: Never.self) {
            try model.samplePosterior(PosteriorRequest(settings: SamplerSettings(chains: 1, warmup: 10, draws: 10, seed: 1), recover: false, memoryLimit: 1e6))
        }
    }
}
