import Foundation
import Testing
@testable import Marginal

/// `--marginalize auto` (``SamplingStrategy/automatic(for:)``): everything integrated out unless
/// the dense block q (random effects of every factor but the one with the most levels) has
/// q³ > 600·N; then the factor with the most observations per random effect, the others partial.
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
        // The library's default stays everything integrated out; the command line passes auto.
        #expect(BayesianMixedModel(model: model).strategy == .marginalizeAll)
    }
}
