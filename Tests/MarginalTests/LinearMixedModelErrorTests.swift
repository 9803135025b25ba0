import Foundation
import Testing
@testable import Marginal

/// Models that cannot be fitted give a typed error naming the problem, never a trap.
@Suite struct LinearMixedModelErrorTests {
    static func frame(y: [Double], g: [String], x: [Double]? = nil) throws -> DataFrame {
        var pairs: [(String, Column)] = [("y", .numeric(NumericColumn(y))), ("g", .categorical(CategoricalColumn(labels: g)))]
        if let x { pairs.append(("x", .numeric(NumericColumn(x)))) }
        return try DataFrame(pairs)
    }

    static func model(_ formula: String, _ data: DataFrame) throws -> LinearMixedModel {
        try LinearMixedModel(design: ModelDesign(formula: formula, data: data))
    }

    @Test func groupingFactorWithAsManyLevelsAsRows() throws {
        let data = try Self.frame(y: [1, 2, 3, 5, 8], g: ["a", "b", "c", "d", "e"])
        #expect(throws: MixedModelError.tooManyLevels(group: "g", levels: 5, observations: 5)) {
            try Self.model("y ~ 1 + (1 | g)", data)
        }
    }

    @Test func moreRandomEffectsThanObservations() throws {
        let data = try Self.frame(y: [1, 2, 3, 5, 8, 1], g: ["a", "a", "b", "b", "c", "c"], x: [1, 2, 3, 4, 5, 6])
        #expect(throws: MixedModelError.tooManyRandomEffects(group: "g", effects: 6, observations: 6)) {
            try Self.model("y ~ 1 + (1 + x | g)", data)
        }
    }

    @Test func constantResponse() throws {
        let data = try Self.frame(y: [2, 2, 2, 2], g: ["a", "a", "b", "b"])
        #expect(throws: MixedModelError.constantResponse(name: "y")) { try Self.model("y ~ 1 + (1 | g)", data) }
    }

    @Test func nonFiniteResponse() throws {
        let data = try Self.frame(y: [2, .nan, 3, 4], g: ["a", "a", "b", "b"])
        #expect(throws: MixedModelError.nonFiniteValue(variable: "y", row: 2)) { try Self.model("y ~ 1 + (1 | g)", data) }
        let infinite = try Self.frame(y: [2, 1, 3, 4], g: ["a", "a", "b", "b"], x: [1, .infinity, 2, 3])
        #expect(throws: MixedModelError.nonFiniteValue(variable: "x", row: 2)) { try Self.model("y ~ 1 + x + (1 | g)", infinite) }
    }

    @Test func noRandomEffects() throws {
        let data = try Self.frame(y: [2, 1, 3, 4], g: ["a", "a", "b", "b"])
        #expect(throws: MixedModelError.noRandomEffects) { try Self.model("y ~ 1", data) }
    }

    @Test func errorMessagesSayWhatToDo() {
        let message = MixedModelError.tooManyLevels(group: "id", levels: 30, observations: 30).description
        #expect(message.contains("'id'") && message.contains("30 levels") && message.contains("fewer levels than observations"))
    }

    @Test func aliasedColumnsAreDroppedAndNamed() throws {
        // x2 = 2·x: X has an aliased column, dropped with a warning; the fit still works.
        let y: [Double] = [1.2, 2.3, 2.9, 4.1, 5.2, 5.8, 7.1, 8.3, 8.8]
        let x: [Double] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        let data = try DataFrame([
            ("y", .numeric(NumericColumn(y))), ("x", .numeric(NumericColumn(x))),
            ("x2", .numeric(NumericColumn(x.map { 2 * $0 }))),
            ("g", .categorical(CategoricalColumn(labels: ["a", "b", "c", "a", "b", "c", "a", "b", "c"]))),
        ])
        let fit = try LinearMixedModel(design: ModelDesign(formula: "y ~ 1 + x + x2 + (1 | g)", data: data)).fit()
        #expect(fit.aliasedColumns == ["x2"])
        #expect(fit.fixedEffects.map(\.name) == ["(Intercept)", "x"])
        #expect(fit.warnings.contains { $0.contains("x2") })
    }

    @Test func optimizerBudgetExhaustionIsReported() throws {
        var minimizer = BoundedMinimizer(lowerBounds: [0, 0])
        minimizer.maximumEvaluations = 5
        let result = minimizer.minimize(start: [1, 1]) { ($0[0] - 0.3) * ($0[0] - 0.3) + ($0[1] - 2) * ($0[1] - 2) }
        #expect(!result.converged)
        #expect(result.message == "MAXEVAL_REACHED")
        #expect(result.evaluations == 5)
    }
}
