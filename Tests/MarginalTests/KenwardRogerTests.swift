import Foundation
import Testing
@testable import Marginal

/// Kenward–Roger F tests against pbkrtest 0.5.2's `KRmodcomp` and `vcovAdj` on lme4 REML fits
/// with tight optimizer tolerances (Fixtures/reference/inference/make_kenward_roger_references.R):
/// balanced designs, whose exact F tests KR reproduces (17, 16 and 10 denominator degrees of
/// freedom), and an unbalanced sleepstudy (every seventh row dropped), where the adjustment and
/// the fractional degrees of freedom are not trivial.
@Suite struct KenwardRogerTests {
    struct Reference: Sendable, CustomStringConvertible {
        let label: String
        let path: String
        let formula: String
        /// Rows of L (each p values).
        let contrast: [[Double]]
        let statistic: Double
        let ddf: Double
        let scaling: Double
        let pValue: Double
        /// The diagonal of Φ_A.
        let adjustedVariances: [Double]
        var description: String { label }
    }

    static let unbalanced = "Tests/MarginalTests/Fixtures/reference/inference/sleepstudy_unbalanced.csv"
    static let slopes = "Reaction ~ 1 + Days + (1 + Days | Subject)"

    static let references = [
        Reference(label: "sleepstudy Days", path: "Examples/sleepstudy.csv", formula: slopes, contrast: [[0, 1]],
                  statistic: 45.8530020136, ddf: 17, scaling: 1, pValue: 3.263789823e-06, adjustedVariances: [46.5745801801, 2.3894635149]),
        Reference(label: "sleepstudy both", path: "Examples/sleepstudy.csv", formula: slopes, contrast: [[1, 0], [0, 1]],
                  statistic: 705.8441959547, ddf: 16, scaling: 0.9411764706, pValue: 2.488240954e-16, adjustedVariances: [46.5745801801, 2.3894635149]),
        Reference(label: "Machines", path: "Examples/Machines.csv", formula: "score ~ Machine + (1 | Worker) + (1 | Worker:Machine)",
                  contrast: [[0, 1, 0], [0, 0, 1]], statistic: 20.5760837265, ddf: 10, scaling: 1, pValue: 0.0002855484432,
                  adjustedVariances: [6.1793517092, 4.7392220466, 4.7392220466]),
        Reference(label: "unbalanced Days", path: unbalanced, formula: slopes, contrast: [[0, 1]],
                  statistic: 35.2057794397, ddf: 16.9898356799, scaling: 1, pValue: 1.639432589e-05, adjustedVariances: [47.0648867725, 3.0904714605]),
        Reference(label: "unbalanced both", path: unbalanced, formula: slopes, contrast: [[1, 0], [0, 1]],
                  statistic: 741.1915279972, ddf: 15.9842360503, scaling: 0.9411362502, pValue: 1.738327001e-16,
                  adjustedVariances: [47.0648867725, 3.0904714605]),
        Reference(label: "unbalanced intercept only", path: unbalanced, formula: "Reaction ~ 1 + Days + (1 | Subject)", contrast: [[0, 1]],
                  statistic: 147.1782480175, ddf: 135.0532837375, scaling: 1, pValue: 2.286120436e-23, adjustedVariances: [98.1559713405, 0.6822415595]),
    ]

    @Test(arguments: references)
    func matchesPbkrtest(_ reference: Reference) throws {
        var options = CSVOptions()
        options.factorColumns = reference.path.contains("Machines") ? ["Worker"] : ["Subject"]
        let data = try CSVReader.read(path: reference.path, options: options)
        let model = try LinearMixedModel(design: ModelDesign(formula: reference.formula, data: data))
        let fit = try model.fit(criterion: .reml)
        let kr = try KenwardRoger(model: model, fit: fit)
        let l = Matrix(rows: reference.contrast.count, columns: reference.contrast[0].count, elements: (0..<reference.contrast[0].count).flatMap { j in reference.contrast.map { $0[j] } })
        let test = try kr.test(l)
        #expect(relativeError(test.statistic, reference.statistic) < 1e-4, "F \(test.statistic) vs \(reference.statistic)")
        #expect(relativeError(test.denominatorDegreesOfFreedom, reference.ddf) < 1e-4, "ddf \(test.denominatorDegreesOfFreedom) vs \(reference.ddf)")
        #expect(relativeError(test.scaling, reference.scaling) < 1e-4, "scaling \(test.scaling) vs \(reference.scaling)")
        #expect(relativeError(test.pValue, reference.pValue, floor: 1e-300) < 1e-3, "p \(test.pValue) vs \(reference.pValue)")
        for (j, expected) in reference.adjustedVariances.enumerated() {
            #expect(relativeError(kr.adjustedCovariance[j, j], expected) < 1e-4, "Φ_A[\(j)] \(kr.adjustedCovariance[j, j]) vs \(expected)")
        }
    }

    @Test func refusesWhatItDoesNotCover() throws {
        let data = try CSVReader.read(path: "Examples/sleepstudy.csv")
        let model = try LinearMixedModel(design: ModelDesign(formula: Self.slopes, data: data))
        #expect(throws: KenwardRogerError.notREML) { try KenwardRoger(model: model, fit: model.fit(criterion: .ml)) }
        let kr = try KenwardRoger(model: model, fit: model.fit(criterion: .reml))
        #expect(throws: KenwardRogerError.self) { try kr.test(Matrix(rows: 1, columns: 3)) }
        #expect(throws: KenwardRogerError.self) { try kr.test(Matrix(rows: 2, columns: 2, elements: [1, 1, 2, 2])) }
    }

    /// lmerTest's `summary(fit, ddf = "Kenward-Roger")` on the unbalanced sleepstudy: adjusted
    /// standard errors, degrees of freedom and p values; and the command line's `--ddf kenward-roger`.
    @Test func tTestsMatchLmerTest() throws {
        var options = CSVOptions()
        options.factorColumns = ["Subject"]
        let model = try LinearMixedModel(design: ModelDesign(formula: Self.slopes, data: CSVReader.read(path: Self.unbalanced, options: options)))
        let fit = try model.withKenwardRogerTests(model.fit(criterion: .reml))
        let expected = [(6.8603853225, 16.9741124142, 1.413189245e-17), (1.7579736803, 16.9898356799, 1.639432589e-05)]
        for (effect, (se, df, p)) in zip(fit.fixedEffects, expected) {
            #expect(relativeError(effect.standardError, se) < 1e-4, "SE \(effect.standardError) vs \(se)")
            #expect(relativeError(try #require(effect.degreesOfFreedom), df) < 1e-4, "df \(String(describing: effect.degreesOfFreedom)) vs \(df)")
            #expect(relativeError(try #require(effect.pValue), p, floor: 1e-300) < 1e-3)
        }
        #expect(fit.summary().contains("t-tests use Kenward-Roger's method"))
        let printed = try CommandLineTests.marginal(["fit", Self.unbalanced, "-f", Self.slopes, "--factor", "Subject", "--ddf", "kenward-roger", "--json"])
        #expect(printed.status == 0)
        #expect(printed.stdout.contains("\"ddfMethod\" : \"Kenward-Roger\""))
        let refused = try CommandLineTests.marginal(["fit", Self.unbalanced, "-f", Self.slopes, "--ddf", "kenward-roger", "--ml"])
        #expect(refused.status != 0 && refused.stderr.contains("needs a REML fit"))
    }

    /// `pf(f, d1, d2, lower.tail = FALSE)` in R.
    @Test(arguments: [(45.853, 1.0, 17.0, 3.26379072871e-06), (2.5, 3.0, 10.5, 0.116235465663), (0.7, 2.0, 4.2, 0.546548432548)])
    func fTailMatchesR(_ f: Double, _ d1: Double, _ d2: Double, _ expected: Double) {
        #expect(relativeError(FDistribution.upperTail(f, numeratorDegreesOfFreedom: d1, denominatorDegreesOfFreedom: d2), expected) < 1e-8)
    }
}
