import Foundation
import Testing
@testable import Marginal

/// `--fix-sd` text and the checks of a known covariance against the model's grouping factors.
@Suite struct KnownCovarianceSpecificationTests {
    @Test func parsesGroupSDPairs() throws {
        let spec = try KnownCovarianceSpecification(parsing: " s=1, d = 0.5 ,dept=2e-1")
        #expect(spec == KnownCovarianceSpecification(standardDeviations: ["s": 1, "d": 0.5, "dept": 0.2]))
    }

    @Test(arguments: [
        ("plate", KnownCovarianceError.malformed("plate", reason: "'plate' has no '='")),
        ("plate=1,", KnownCovarianceError.malformed("plate=1,", reason: "an entry is empty")),
        ("=1", KnownCovarianceError.malformed("=1", reason: "'=1' has no group name before '='")),
        ("plate=one", KnownCovarianceError.malformed("plate=one", reason: "'one' is not a number")),
        ("plate=0", KnownCovarianceError.nonPositiveStandardDeviation(group: "plate", value: 0)),
        ("plate=-2", KnownCovarianceError.nonPositiveStandardDeviation(group: "plate", value: -2)),
        ("plate=inf", KnownCovarianceError.nonPositiveStandardDeviation(group: "plate", value: .infinity)),
        ("plate=1,plate=2", KnownCovarianceError.repeatedGroup("plate")),
    ])
    func rejectsBadText(_ text: String, _ error: KnownCovarianceError) {
        #expect(throws: error) { try KnownCovarianceSpecification(parsing: text) }
    }

    @Test func unknownGroupSuggestsTheClosestName() throws {
        let design = try HandBuiltDesigns.penicillin()
        #expect(throws: KnownCovarianceError.unknownGroup("plat", suggestion: "plate", groups: ["plate", "sample"])) {
            try KnownCovarianceDensity(design: design, covariance: KnownCovarianceSpecification(parsing: "plat=1,sample=1"))
        }
        let error = KnownCovarianceError.unknownGroup("plat", suggestion: "plate", groups: ["plate", "sample"])
        #expect(error.description.contains("did you mean 'plate'?"))
    }

    @Test func everyGroupNeedsACovariance() throws {
        let design = try HandBuiltDesigns.penicillin()
        #expect(throws: KnownCovarianceError.missingGroups(["sample"])) {
            try KnownCovarianceDensity(design: design, covariance: KnownCovarianceSpecification(parsing: "plate=1"))
        }
    }

    @Test func nonPositiveSDInTheLibraryForm() throws {
        let design = try HandBuiltDesigns.penicillin()
        #expect(throws: KnownCovarianceError.nonPositiveStandardDeviation(group: "sample", value: -1)) {
            try KnownCovarianceDensity(design: design, covariance: KnownCovarianceSpecification(standardDeviations: ["plate": 1, "sample": -1]))
        }
    }

    @Test func factorMustMatchTheGroup() throws {
        let design = try HandBuiltDesigns.sleepstudy()
        #expect(throws: KnownCovarianceError.factorDimension(group: "Subject", expected: 2, rows: 1, columns: 1)) {
            try KnownCovarianceDensity(design: design, covariance: KnownCovarianceSpecification([.init(group: "Subject", covariance: .factor(Matrix(rows: 1, columns: 1, elements: [2])))]))
        }
        #expect(throws: KnownCovarianceError.nonFiniteFactor(group: "Subject")) {
            try KnownCovarianceDensity(design: design, covariance: KnownCovarianceSpecification([.init(group: "Subject", covariance: .factor(Matrix(rows: 2, columns: 2, elements: [1, .nan, 0, 1])))]))
        }
    }

    @Test func oneSDForAVectorTermMeansIndependentEffects() throws {
        // (1 + Days | Subject) with Subject=3: Σ = 9 I, the same as the factor 3 I.
        let design = try HandBuiltDesigns.sleepstudy()
        var a = try KnownCovarianceDensity(design: design, covariance: KnownCovarianceSpecification(parsing: "Subject=3"))
        var b = try KnownCovarianceDensity(design: design, covariance: KnownCovarianceSpecification([.init(group: "Subject", covariance: .factor(Matrix(rows: 2, columns: 2, elements: [3, 0, 0, 3])))]))
        var g = [0.0, 0, 0]
        let x = [250.0, 10, log(30)]
        #expect(a.logDensity(at: x, gradient: &g) == b.logDensity(at: x, gradient: &g))
    }

    @Test func formulaConvenience() throws {
        let data = try FormulaTestData.example("Penicillin")
        var density = try KnownCovarianceDensity(formula: "diameter ~ 1 + (1 | plate) + (1 | sample)", data: data, fixedStandardDeviations: "plate=0.85,sample=1.9")
        var (reference, _) = try KnownCovarianceDensityTests.density(KnownCovarianceDensityTests.cases[0])
        try density.setPriors(["b[(Intercept)]=normal(10, 100)", "sigma=half-normal(3)"])
        var g = [0.0, 0]
        let x = [22.9, log(0.55)]
        let value = density.logDensity(at: x, gradient: &g)
        #expect(abs(value - reference.logDensity(at: x, gradient: &g)) <= 1e-10 * abs(value))
    }
}

extension KnownCovarianceSpecificationTests {
    @Test func wrongLengthsGiveMinusInfinityAndNaNDraws() throws {
        let design = try HandBuiltDesigns.penicillin()
        var density = try KnownCovarianceDensity(design: design, covariance: KnownCovarianceSpecification(parsing: "plate=1,sample=1"))
        var gradient = [0.0, 0.0]
        #expect(density.logDensity(at: [20], gradient: &gradient) == -.infinity)
        var short = [0.0]
        #expect(density.logDensity(at: [20, 0], gradient: &short) == -.infinity)
        var random = RandomSource(seed: 1)
        #expect(density.drawRandomEffects(at: [20], random: &random).allSatisfy { $0.isNaN })
        #expect(density.randomEffectMean(at: [20, .infinity]).allSatisfy { $0.isNaN })
    }

    /// A design with one more effect than allowed is refused before any D × D storage exists.
    @Test func tooManyRandomEffectsIsATypedError() {
        let n = KnownCovarianceDensity.maximumRandomEffects + 1
        let ones = [Double](repeating: 1, count: n)
        let labels = (0..<n).map { "L\($0)" }
        let design = HandBuiltDesigns.design(formula: "", response: "y", y: (0..<n).map { Double($0 % 7) }, x: [("(Intercept)", ones)], terms: [
            HandBuiltDesigns.term(group: "g", labels: labels, levelOrder: labels, columns: ["(Intercept)"], z: [ones]),
        ])
        #expect(throws: KnownCovarianceError.tooManyRandomEffects(n, limit: n - 1)) {
            try KnownCovarianceDensity(design: design, covariance: KnownCovarianceSpecification(parsing: "g=1"))
        }
        #expect(KnownCovarianceError.tooManyRandomEffects(n, limit: n - 1).description.contains("\(n) random effects"))
    }
}
