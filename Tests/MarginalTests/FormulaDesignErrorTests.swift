import Testing
@testable import Marginal

/// Errors in applying a formula to data: each names the problem, and the place when it has one.
@Suite struct FormulaDesignErrorTests {
    func failure(_ formula: String, data: DataFrame) -> FormulaError? {
        do {
            _ = try ModelDesign(formula: formula, data: data)
            return nil
        } catch {
            return error
        }
    }

    @Test func unknownColumnSuggestsTheClosestName() throws {
        let data = try FormulaTestData.example("sleepstudy")
        let error = try #require(failure("Reaction ~ Dayz + (Days | Subject)", data: data))
        #expect(error.kind == .unknownColumn(name: "Dayz", suggestion: "Days", available: ["Reaction", "Days", "Subject"]))
        #expect(error.span == SourceSpan(start: 11, end: 15))
        #expect(error.description == """
            no column named 'Dayz'; did you mean 'Days'?
              Reaction ~ Dayz + (Days | Subject)
                         ^~~~
            """)
        let grouping = try #require(failure("Reaction ~ Days + (Days | Subjects)", data: data))
        #expect(grouping.kind == .unknownColumn(name: "Subjects", suggestion: "Subject", available: ["Reaction", "Days", "Subject"]))
    }

    @Test func categoricalResponse() throws {
        let data = try FormulaTestData.example("sleepstudy")
        let error = try #require(failure("Subject ~ Days", data: data))
        #expect(error.kind == .categoricalResponse("Subject"))
        #expect(error.span?.start == 0)
    }

    @Test func responseMissingEverywhere() throws {
        var data = try FormulaTestData.small()
        try data.replace("y", with: .numeric(NumericColumn(values: Array(repeating: .nan, count: 8),
                                                            missing: Array(repeating: true, count: 8))))
        #expect(failure("y ~ x", data: data)?.kind == .responseAllMissing("y"))
        #expect(failure("log(y) ~ x", data: data)?.kind == .responseAllMissing("y"))
    }

    @Test func noRowsLeft() throws {
        var data = try FormulaTestData.small()
        let half = [true, false, true, false, true, false, true, false]
        try data.replace("x", with: .numeric(NumericColumn(values: Array(repeating: 1, count: 8), missing: half)))
        try data.replace("z", with: .numeric(NumericColumn(values: Array(repeating: 1, count: 8), missing: half.map { !$0 })))
        let error = try #require(failure("y ~ x + z", data: data))
        #expect(error.kind == .noRowsLeft(missing: [.init(column: "x", rows: 4), .init(column: "z", rows: 4)]))
        #expect(error.description.contains("'x' in 4 rows"))
    }

    /// lme4 refuses a grouping factor with one level; Marginal builds the design and warns,
    /// naming the factor, its level and lme4 (see ``LinearMixedModelSingleLevelTests``).
    @Test func singleLevelGroupingFactorIsAWarning() throws {
        let data = try DataFrame([
            ("y", .numeric(NumericColumn([1, 2, 3]))),
            ("g", .categorical(CategoricalColumn(labels: ["A", "A", "A"]))),
        ])
        #expect(failure("y ~ 1 + (1 | g)", data: data) == nil)
        let design = try ModelDesign(formula: "y ~ 1 + (1 | g)", data: data)
        #expect(design.randomEffects.map(\.levelCount) == [1])
        let warning = try #require(design.warnings.first { $0.contains("single level") })
        #expect(warning.contains("'g'") && warning.contains("('A')") && warning.contains("lme4 refuses"))
        #expect(design.warnings.count == 1)
    }

    @Test func singleLevelFixedFactorAfterDropping() throws {
        var data = try FormulaTestData.small()
        // Keep only the rows where a = p.
        try data.replace("y", with: .numeric(NumericColumn(values: [3.1, .nan, 2.5, .nan, 5.5, .nan, 1.0, .nan],
                                                            missing: [false, true, false, true, false, true, false, true])))
        let error = try #require(failure("y ~ x + a", data: data))
        #expect(error.kind == .singleLevelFactor(name: "a", level: "p"))
        #expect(error.span?.start == 8)
    }

    @Test func arithmeticOnACategoricalColumn() throws {
        let data = try FormulaTestData.small()
        let error = try #require(failure("y ~ log(a)", data: data))
        #expect(error.kind == .categoricalInArithmetic(column: "a", expression: "log(a)"))
        #expect(error.span?.start == 8)
        #expect(failure("y ~ I(x * b)", data: data)?.kind == .categoricalInArithmetic(column: "b", expression: "I(x * b)"))
    }

    @Test func logOfANonPositiveValueIsAnError() throws {
        let data = try FormulaTestData.small()
        // z = 0.5, 1.5, -1, …: the first non-positive value is in data row 3.
        let error = try #require(failure("y ~ log(z)", data: data))
        #expect(error.kind == .logOfNonPositive(expression: "log(z)", row: 3, value: -1))
        #expect(error.span == SourceSpan(start: 4, end: 10))
        #expect(error.message.contains("data row 3"))
        #expect(failure("y ~ sqrt(z)", data: data)?.kind == .sqrtOfNegative(expression: "sqrt(z)", row: 3, value: -1))
        #expect(failure("y ~ I(x / (z - 0.5))", data: data)?.kind == .notFinite(expression: "x/(z - 0.5)", row: 1))
    }

    @Test func noDataRows() throws {
        let data = try DataFrame([("y", .numeric(NumericColumn([]))), ("x", .numeric(NumericColumn([])))])
        #expect(failure("y ~ x", data: data)?.kind == .noData)
    }
}
