import Testing
@testable import Marginal

/// Random-effect terms checked against lme4 1.1-31 (`mkReTrms`, and the reference fits in
/// Fixtures/reference).
@Suite struct FormulaRandomEffectsTests {
    @Test func sleepstudyCorrelatedSlope() throws {
        let data = try FormulaTestData.example("sleepstudy")
        let d = try ModelDesign(formula: "Reaction ~ Days + (Days | Subject)", data: data)
        #expect(d.q == 36)
        #expect(d.randomEffects.count == 1)
        let term = try #require(d.randomEffects.first)
        #expect(term.group == "Subject")
        #expect(term.levelCount == 18)
        #expect(term.levels.prefix(3) == ["308", "309", "310"])
        #expect(term.columnNames == ["(Intercept)", "Days"])
        #expect(term.correlated)
        #expect(term.z.rows == 2 && term.z.columns == 180)
        // Row i contributes (1, Days_i) to level Subject_i; rows come 10 per subject.
        #expect(term.z[0, 13] == 1 && term.z[1, 13] == 3)
        #expect(term.codes[0] == 0 && term.codes[10] == 1 && term.codes[179] == 17)
    }

    @Test func sleepstudyUncorrelatedSplitsIntoTwoTerms() throws {
        // lme4 reference theta names: Subject.(Intercept), Subject.Days (equal level counts keep their order).
        let data = try FormulaTestData.example("sleepstudy")
        for formula in ["Reaction ~ 1 + Days + (1 + Days || Subject)",
                        "Reaction ~ 1 + Days + (1 | Subject) + (0 + Days | Subject)"] {
            let d = try ModelDesign(formula: formula, data: data)
            #expect(d.randomEffects.map(\.group) == ["Subject", "Subject"])
            #expect(d.randomEffects.map(\.columnNames) == [["(Intercept)"], ["Days"]])
            #expect(d.q == 36)
        }
        let split = try ModelDesign(formula: "Reaction ~ Days + (Days || Subject)", data: data)
        #expect(split.randomEffects.map(\.correlated) == [false, false])
    }

    @Test func numericGroupingColumnBecomesAFactor() throws {
        let data = try FormulaTestData.example("sleepstudy", factors: [])
        let d = try ModelDesign(formula: "Reaction ~ 1 + (1 | Days)", data: data)
        #expect(d.randomEffects.first?.levels == ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"])
    }

    @Test func penicillinCrossedTerms() throws {
        let data = try FormulaTestData.example("Penicillin")
        let d = try ModelDesign(formula: "diameter ~ 1 + (1 | plate) + (1 | sample)", data: data)
        #expect(d.nobs == 144)
        #expect(d.randomEffects.map(\.group) == ["plate", "sample"])
        #expect(d.randomEffects.map(\.levelCount) == [24, 6])
        #expect(d.q == 30)
        // The larger factor comes first whatever the order in the formula.
        let swapped = try ModelDesign(formula: "diameter ~ 1 + (1 | sample) + (1 | plate)", data: data)
        #expect(swapped.randomEffects.map(\.group) == ["plate", "sample"])
    }

    @Test func pastesNestedTermsAreNamedAsLme4NamesThem() throws {
        let data = try FormulaTestData.example("Pastes")
        let d = try ModelDesign(formula: "strength ~ 1 + (1 | batch/cask)", data: data)
        #expect(d.randomEffects.map(\.group) == ["cask:batch", "batch"])
        #expect(d.randomEffects.map(\.levelCount) == [30, 10])
        #expect(d.q == 40)
        let nested = try #require(d.randomEffects.first)
        // lme4 (reference pastes_ml.json): first levels a:A, a:B, a:C, a:D, a:E.
        #expect(nested.levels.prefix(5) == ["a:A", "a:B", "a:C", "a:D", "a:E"])
        #expect(nested.levels[10] == "b:A" && nested.levels.last == "c:J")
        // Row 0 is batch A, cask a; row 1 the same; row 2 batch A, cask b.
        #expect(nested.codes.prefix(3) == [0, 0, 10])
        // The same grouping written by hand, and with the sample column, agree.
        let explicit = try ModelDesign(formula: "strength ~ 1 + (1 | batch) + (1 | cask:batch)", data: data)
        #expect(explicit.randomEffects.map(\.group) == ["cask:batch", "batch"])
        #expect(explicit.randomEffects.first?.codes == nested.codes)
    }

    @Test func lme4ReversesTiesWhenItReorders() throws {
        // lme4 1.1-31 mkReTrms on y ~ x + (1|a/b/c) + (1|g) + (1+x||a) + (0+b|g) with a (3 levels),
        // b (2), c (2), g (4) gives: c:(b:a) [12], b:a [6], g (bu, bv), g (Intercept), a (x),
        // a (Intercept), a (Intercept).
        let n = 24
        let a = (0..<n).map { ["p", "q", "r"][$0 % 3] }
        let b = (0..<n).map { $0 < 12 ? "u" : "v" }
        let c = (0..<n).map { $0 % 2 == 0 ? "m" : "n" }
        let g: [Double] = (0..<n).map { [3, 10, 2.5, 100000][$0 % 4] }
        let data = try DataFrame([
            ("y", .numeric(NumericColumn((0..<n).map { Double($0) * 0.37 }))),
            ("a", .categorical(CategoricalColumn(labels: a))),
            ("b", .categorical(CategoricalColumn(labels: b))),
            ("c", .categorical(CategoricalColumn(labels: c))),
            ("x", .numeric(NumericColumn((1...n).map(Double.init)))),
            ("g", .numeric(NumericColumn(g))),
        ])
        let d = try ModelDesign(formula: "y ~ x + (1|a/b/c) + (1|g) + (1+x||a) + (0+b|g)", data: data)
        #expect(d.randomEffects.map(\.group) == ["c:(b:a)", "b:a", "g", "g", "a", "a", "a"])
        #expect(d.randomEffects.map(\.columnNames) == [["(Intercept)"], ["(Intercept)"], ["bu", "bv"], ["(Intercept)"],
                                                        ["x"], ["(Intercept)"], ["(Intercept)"]])
        #expect(d.randomEffects.map(\.levelCount) == [12, 6, 4, 4, 3, 3, 3])
        #expect(d.randomEffects[0].levels.prefix(4) == ["m:u:p", "m:u:q", "m:u:r", "m:v:p"])
        #expect(d.randomEffects[2].levels == ["2.5", "3", "10", "1e+05"])
        #expect(d.randomEffects[1].levels == ["u:p", "u:q", "u:r", "v:p", "v:q", "v:r"])
    }

    @Test func factorLeftHandSideGivesIndicatorsOrContrasts() throws {
        let data = try FormulaTestData.small()
        let indicators = try ModelDesign(formula: "y ~ 1 + (0 + b | a)", data: data)
        let term = try #require(indicators.randomEffects.first)
        #expect(term.columnNames == ["bu", "bv", "bw"])
        // Row 2 (b = v): z = (0, 1, 0).
        #expect([term.z[0, 2], term.z[1, 2], term.z[2, 2]] == [0, 1, 0])
        let contrasts = try ModelDesign(formula: "y ~ 1 + (b | a)", data: data)
        #expect(contrasts.randomEffects.first?.columnNames == ["(Intercept)", "bv", "bw"])
        // `||` splits by terms, as lme4's expandDoubleVerts: a factor keeps its columns together,
        // coded without an intercept.
        let split = try ModelDesign(formula: "y ~ 1 + (0 + b || a)", data: data)
        #expect(split.randomEffects.map(\.columnNames) == [["bu", "bv", "bw"]])
        let withIntercept = try ModelDesign(formula: "y ~ 1 + (b || a)", data: data)
        #expect(withIntercept.randomEffects.map(\.columnNames) == [["(Intercept)"], ["bu", "bv", "bw"]])
    }

    /// lme4 1.1-31 (bobyqa, rhoend 1e-10): `score ~ Machine + (Machine || Worker)` on nlme's
    /// Machines is `(1 | Worker) + (0 + Machine | Worker)`: REML 208.31121831642, σ 0.961576634433.
    /// (Before, Marginal split the factor's columns and reported 212.23.) The SDs are not compared:
    /// the intercept's variance trades off against the indicators' common part along a ridge of
    /// equal criterion (lme4 warns "nearly unidentifiable"), so any point on it is an optimum.
    @Test func doubleBarWithAFactorMatchesLme4() throws {
        var options = CSVOptions()
        options.levelOrders = try ReferenceSchema.levelOrders(dataset: "Machines")
        options.factorColumns = ["Worker"]
        let data = try CSVReader.read(path: FormulaTestData.examplesDirectory.appendingPathComponent("Machines.csv").path, options: options)
        let fit = try LinearMixedModel(formula: "score ~ Machine + (Machine || Worker)", data: data).fit(criterion: .reml)
        #expect(relativeError(fit.objective, 208.31121831642) < 1e-8, "\(fit.objective)")
        #expect(relativeError(fit.sigma, 0.961576634433) < 1e-5)
        #expect(fit.varianceComponents.map(\.names) == [["(Intercept)"], ["MachineA", "MachineB", "MachineC"]])
    }

    @Test func expressionsInTheLeftHandSide() throws {
        let data = try FormulaTestData.small()
        let d = try ModelDesign(formula: "y ~ x + (1 + log(x) + I(x^2) | b)", data: data)
        let term = try #require(d.randomEffects.first)
        #expect(term.columnNames == ["(Intercept)", "log(x)", "I(x^2)"])
        #expect(term.z[2, 7] == 81)
        #expect(abs(term.z[1, 1] - 0.693147180559945) < 1e-14)
    }

    @Test func unusedGroupingLevelsAreDropped() throws {
        var data = try FormulaTestData.small()
        // b = w only in rows 4 and 5; make x missing there.
        try data.replace("x", with: .numeric(NumericColumn(values: [1, 2, 3, 4, .nan, .nan, 7, 9],
                                                            missing: [false, false, false, false, true, true, false, false])))
        let d = try ModelDesign(formula: "y ~ x + (1 | b)", data: data)
        #expect(d.randomEffects.first?.levels == ["u", "v"])
        #expect(d.randomEffects.first?.codes == [0, 0, 1, 1, 0, 1])
        #expect(d.droppedRows == 2)
    }
}
