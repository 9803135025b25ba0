import Foundation
import Testing
@testable import Marginal

/// Satterthwaite degrees of freedom and p values of the fixed effects against lmerTest 3.1-3
/// (`summary(lmer(...))$coefficients[, c("df", "Pr(>|t|)")]`, R 4.2.2, lme4 1.1-31) on lme4 fits
/// with tight optimizer tolerances (Fixtures/reference/inference/make_satterthwaite_references.R).
/// At lme4's default tolerances θ̂ stops about 1e-8 short of the optimum and lmerTest's ν moves by
/// up to 5e-4 (Orthodont's 25 prints as 25.0113); the balanced designs' exact ν (17, 18, 9, 25)
/// are what the tight fits and Marginal give.
@Suite struct SatterthwaiteTests {
    struct Reference: Sendable, CustomStringConvertible {
        let file: String
        let formula: String
        var criterion: FitCriterion = .reml
        var levels: [String: [String]] = [:]
        let df: [Double]
        let p: [Double]
        var description: String { "\(file) \(formula) \(criterion)" }
    }

    static let references = [
        Reference(file: "sleepstudy", formula: "Reaction ~ Days + (Days | Subject)",
                  df: [17.0000017392, 17.0000001668], p: [1.1708832371e-17, 3.26378781183e-06]),
        Reference(file: "sleepstudy", formula: "Reaction ~ Days + (Days | Subject)", criterion: .ml,
                  df: [18.0000001145, 17.9999995369], p: [1.26675700446e-18, 1.65241513493e-06]),
        Reference(file: "Penicillin", formula: "diameter ~ 1 + (1 | plate) + (1 | sample)", df: [5.4870930791], p: [3.61920255863e-07]),
        Reference(file: "Pastes", formula: "strength ~ 1 + (1 | batch/cask)", df: [8.9999997104], p: [1.48783516444e-14]),
        Reference(file: "Orthodont", formula: "distance ~ age * Sex + (1 + age | Subject)", levels: ["Sex": ["Male", "Female"]],
                  df: [24.9999984503, 24.9999995092, 24.9999981795, 24.9999991399],
                  p: [1.13732371194e-14, 1.98625010067e-09, 0.523663096399, 0.032613868467]),
    ]

    @Test(arguments: references)
    func matchesLmerTest(_ reference: Reference) throws {
        var options = CSVOptions()
        options.levelOrders = reference.levels
        let data = try CSVReader.read(path: "Examples/\(reference.file).csv", options: options)
        let model = try LinearMixedModel(design: ModelDesign(formula: reference.formula, data: data))
        let fit = try model.fit(criterion: reference.criterion)
        let df = model.satterthwaiteDegreesOfFreedom(fit)
        for (j, expected) in reference.df.enumerated() {
            let nu = try #require(df[j])
            #expect(relativeError(nu, expected) < 1e-4, "ν \(nu) vs \(expected)")
            let p = StudentT.twoSidedTail(fit.fixedEffects[j].tValue, degreesOfFreedom: nu)
            #expect(relativeError(p, reference.p[j], floor: 1e-300) < 1e-4, "p \(p) vs \(reference.p[j])")
        }
    }

    /// F tests of contrast matrices against lmerTest's `contestMD` (tight lme4 fits): a 2-df test on
    /// an unbalanced design (directions with different ν), a 1-df test, a factor's two contrasts, and
    /// a term with its interaction.
    @Test(arguments: [
        ("Tests/MarginalTests/Fixtures/reference/inference/sleepstudy_unbalanced.csv", "Reaction ~ 1 + Days + (1 + Days | Subject)",
         [[1.0, 0], [0, 1]], 787.7956261769, 17.0154306395, 1.6944687e-17),
        ("Tests/MarginalTests/Fixtures/reference/inference/sleepstudy_unbalanced.csv", "Reaction ~ 1 + Days + (1 + Days | Subject)",
         [[0, 1]], 35.2181303876, 16.8155025432, 1.707288886e-05),
        ("Examples/Machines.csv", "score ~ Machine + (1 | Worker) + (1 | Worker:Machine)", [[0, 1, 0], [0, 0, 1]], 20.5760827191, 9.9999998591, 0.0002855485161),
        ("Examples/Orthodont.csv", "distance ~ age * Sex + (1 + age | Subject)", [[0, 0, 1, 0], [0, 0, 0, 1]], 6.5708335918, 24.9999986678, 0.005090427162),
    ])
    func contrastTestsMatchContestMD(_ path: String, _ formula: String, _ rows: [[Double]], _ f: Double, _ ddf: Double, _ p: Double) throws {
        var options = CSVOptions()
        options.factorColumns = path.contains("sleepstudy") ? ["Subject"] : path.contains("Machines") ? ["Worker"] : []
        options.levelOrders = path.contains("Orthodont") ? ["Sex": ["Male", "Female"]] : [:]
        let model = try LinearMixedModel(design: ModelDesign(formula: formula, data: CSVReader.read(path: path, options: options)))
        let fit = try model.fit(criterion: .reml)
        let l = Matrix(rows: rows.count, columns: rows[0].count, elements: (0..<rows[0].count).flatMap { j in rows.map { $0[j] } })
        let test = try #require(model.satterthwaiteFTest(fit, contrast: l))
        #expect(test.numerator == rows.count)
        #expect(relativeError(test.statistic, f) < 1e-4, "F \(test.statistic) vs \(f)")
        #expect(relativeError(test.denominator, ddf) < 1e-4, "ddf \(test.denominator) vs \(ddf)")
        #expect(relativeError(test.pValue, p, floor: 1e-300) < 1e-3, "p \(test.pValue) vs \(p)")
    }

    /// `2 * pt(-abs(t), nu)` in R.
    @Test(arguments: [
        (28.41, 5.4866, 3.6234866407947078e-07), (11.05, 17, 3.5153974894347009e-09), (1.2, 3.5, 0.30501448537786419),
        (0.3, 1, 0.81445284184451539), (2.5, 100.5, 0.014037513382705242), (40, 2.2, 0.00034231547656460548),
    ])
    func studentTailMatchesR(_ t: Double, _ nu: Double, _ expected: Double) {
        #expect(relativeError(StudentT.twoSidedTail(t, degreesOfFreedom: nu), expected, floor: 1e-300) < 1e-12)
    }
}

/// `marginal fit` prints lmerTest's t tests by default and leaves them out with `--ddf none`.
@Suite struct SatterthwaiteCommandTests {
    @Test func summaryAndJSONCarryTheTests() throws {
        let arguments = ["fit", "Examples/sleepstudy.csv", "-f", "Reaction ~ Days + (Days | Subject)"]
        let text = try CommandLineTests.marginal(arguments)
        #expect(text.status == 0 && text.stdout.contains("t-tests use Satterthwaite's method"))
        #expect(text.stdout.contains("Days         10.4673      1.546 17.000   6.771 3.26e-06 ***"), "\(text.stdout)")
        let json = try CommandLineTests.marginal(arguments + ["--json"])
        let fixef = try #require((try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["fixef"] as? [[String: Any]])
        #expect(relativeError(try #require(fixef[1]["df"] as? Double), 17.0000001668) < 1e-4)
        let plain = try CommandLineTests.marginal(arguments + ["--ddf", "none"])
        #expect(plain.status == 0 && !plain.stdout.contains("Pr(>|t|)") && !plain.stdout.contains("Satterthwaite"))
        let generalized = try CommandLineTests.marginal(["fit", "Examples/cbpp.csv", "-f", "incidence ~ period + (1 | herd)", "--family", "poisson", "--ddf", "none"])
        #expect(generalized.status != 0 && generalized.stderr.contains("--ddf applies to linear mixed models"))
    }
}
