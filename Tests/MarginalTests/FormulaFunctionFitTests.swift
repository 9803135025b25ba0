import Foundation
import Testing
@testable import Marginal

/// Fits with formula functions and an ordered factor against lme4 1.1-31 on sleepstudy
/// (Fixtures/reference/formula/formula_functions.R): the deviance or REML criterion to 1e-6
/// relative and β to 1e-4.
@Suite struct FormulaFunctionFitTests {
    struct Reference: Sendable {
        var formula: String
        var criterion: FitCriterion
        var objective: Double
        var names: [String]
        var beta: [Double]
    }

    static let references = [
        Reference(formula: "Reaction ~ poly(Days, 2) + (1 | Subject)", criterion: .ml, objective: 1792.9437484327202,
                  names: ["(Intercept)", "poly(Days, 2)1", "poly(Days, 2)2"],
                  beta: [298.507891666667319, 403.364167855218568, 32.855787976213293]),
        // scale(Days) is a combination of the natural spline's columns: aliased, as in lme4.
        Reference(formula: "Reaction ~ ns(Days, 3) + scale(Days) + (1 | Subject)", criterion: .reml, objective: 1767.4202166712221,
                  names: ["(Intercept)", "ns(Days, 3)1", "ns(Days, 3)2", "ns(Days, 3)3"],
                  beta: [255.525371465500569, 50.177991021142255, 100.650691089969428, 80.308759488300439]),
        Reference(formula: "Reaction ~ bs(Days, df = 4) + (1 | Subject)", criterion: .ml, objective: 1792.1560626313603,
                  names: ["(Intercept)"] + (1...4).map { "bs(Days, df = 4)\($0)" },
                  beta: [257.83197747535217559, -0.87963352217040613, 50.27659416122764213, 63.03910251933348974, 93.56624459984530517]),
        // DaysF = factor(pmin(Days, 4), ordered = TRUE): contr.poly.
        Reference(formula: "Reaction ~ DaysF + (1 | Subject)", criterion: .ml, objective: 1831.1090518637234,
                  names: ["(Intercept)", "DaysF.L", "DaysF.Q", "DaysF.C", "DaysF^4"],
                  beta: [277.7528759259249114, 45.4477673069389283, 19.6752004925620767, 8.1013097184447620, -2.6133618208441138]),
        // factor(Days): a numeric column read as a factor inside the formula (β: the first three).
        Reference(formula: "Reaction ~ factor(Days) + (1 | Subject)", criterion: .ml, objective: 1790.3349659699466,
                  names: ["(Intercept)"] + (1...9).map { "factor(Days)\($0)" },
                  beta: [256.6518055555541764, 7.8439500000000049, 8.7100944444444739]),
    ]

    /// lmer(Reaction ~ Days + 1 | Subject, sleepstudy): lme4 reads the bare right-hand side as the
    /// term (Days + 1 | Subject) with an intercept as the fixed part; Marginal too, with a warning.
    @Test func bareRandomEffectRightHandSideIsReadAsLme4() throws {
        let design = try ModelDesign(formula: "Reaction ~ Days + 1 | Subject", data: Self.sleepstudy())
        #expect(design.fixedEffects.names == ["(Intercept)"] && design.randomEffects.map(\.columnNames) == [["(Intercept)", "Days"]])
        #expect(design.warnings.contains { $0.contains("read as lme4 reads it") })
        let fit = try LinearMixedModel(design: design).fit(criterion: .reml)
        #expect(abs(fit.objective - 1769.8449038626043) < 1e-6 * 1769.8, "\(fit.objective)")
        #expect(abs(fit.fixedEffects[0].estimate - 257.76216835706634) < 1e-4 * 257.8, "\(fit.fixedEffects[0].estimate)")
        for (theta, expected) in zip(fit.theta, [0.997472100481016977, -0.084934332718054076, 0.458228380249605383]) {
            #expect(abs(theta - expected) < 1e-4, "\(fit.theta)")
        }
    }

    /// lmer(Reaction ~ Days + (DaysF2 | Subject), REML = FALSE) with DaysF2 = factor(pmin(Days, 2),
    /// ordered = TRUE): the ordered factor is coded by contr.poly in the random-effect term too.
    @Test func orderedFactorInARandomTermMatchesLme4() throws {
        let data = try Self.sleepstudy()
        var options = DesignOptions()
        options.ordered = ["DaysF2"]
        let design = try ModelDesign(formula: "Reaction ~ Days + (DaysF2 | Subject)", data: data, options: options)
        #expect(design.randomEffects[0].columnNames == ["(Intercept)", "DaysF2.L", "DaysF2.Q"])
        let fit = try LinearMixedModel(design: design).fit(criterion: .ml)
        #expect(abs(fit.objective - 1777.7956698225103) < 1e-6 * 1777.8, "\(fit.objective)")
    }

    /// lmer(score ~ Machine + (1 | Worker) + (0 + dummy(Machine, "A") | Worker), Machines, REML = FALSE).
    @Test func dummyInARandomTermMatchesLme4() throws {
        let data = try CSVReader.read(path: "Examples/Machines.csv")
        let formula = "score ~ Machine + (1 | Worker) + (0 + dummy(Machine, \"A\") | Worker)"
        let fit = try LinearMixedModel(design: ModelDesign(formula: formula, data: data)).fit(criterion: .ml)
        #expect(abs(fit.objective - 289.15799716343895) < 1e-6 * 289.16, "\(fit.objective)")
        for (theta, expected) in zip(fit.theta, [1.9465779102122307, 1.0627607776660473]) {
            #expect(abs(theta - expected) < 1e-4, "\(fit.theta)")
        }
        #expect(fit.thetaNames.contains { $0.contains("dummy(Machine, \"A\")") }, "\(fit.thetaNames)")
    }

    /// sleepstudy with DaysF and DaysF2, min(Days, 4) and min(Days, 2) as factors.
    static func sleepstudy() throws -> DataFrame {
        var data = try CSVReader.read(path: "Examples/sleepstudy.csv")
        guard case .numeric(let days) = try data.column("Days") else { throw CSVTestFailure.notNumeric }
        data = try DataFrame(data.names.indices.map { (data.names[$0], data.columns[$0]) }
            + [4.0, 2].map { top in
                ("DaysF" + (top == 2 ? "2" : ""), .categorical(CategoricalColumn(labels: days.values.map { rNumberLabel(min($0, top)) })))
            })
        return data
    }

    enum CSVTestFailure: Error { case notNumeric }

    @Test(arguments: references.indices)
    func matchesLme4(_ index: Int) throws {
        let reference = Self.references[index]
        var options = DesignOptions()
        options.ordered = ["DaysF"]
        let design = try ModelDesign(formula: reference.formula, data: Self.sleepstudy(), options: options)
        let fit = try LinearMixedModel(design: design).fit(criterion: reference.criterion)
        #expect(abs(fit.objective - reference.objective) < 1e-6 * reference.objective, "\(fit.objective) vs \(reference.objective)")
        #expect(fit.fixedEffects.map(\.name) == reference.names)
        for (estimate, expected) in zip(fit.fixedEffects.map(\.estimate), reference.beta) {
            #expect(abs(estimate - expected) < 1e-4 * max(1, abs(expected)), "\(estimate) vs \(expected)")
        }
    }

    /// What the design learned is kept for prediction: the polynomial's coefficients (R's
    /// attr(poly(ss$Days, 2), "coefs")$alpha = 4.5, 4.5), the ordered factor's levels.
    @Test func designStoresItsTransformations() throws {
        var options = DesignOptions()
        options.ordered = ["DaysF"]
        let design = try ModelDesign(formula: "Reaction ~ poly(Days, 2) + DaysF + scale(Days) + (1 | Subject)", data: Self.sleepstudy(), options: options)
        let polynomial = try #require(design.transformations.polynomials["poly(Days, 2)"])
        #expect(polynomial.alpha.allSatisfy { abs($0 - 4.5) < 1e-12 })
        #expect(design.transformations.factorLevels["DaysF"] == ["0", "1", "2", "3", "4"])
        #expect(abs((design.transformations.scalings["scale(Days)"]?.center ?? 0) - 4.5) < 1e-12)
    }
}
