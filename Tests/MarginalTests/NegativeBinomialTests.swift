import Foundation
import Testing
@testable import Marginal

/// The negative binomial (NB2) GLMM against lme4's `glmer.nb` (tolPwrss = 1e-12) on glmmTMB's
/// Salamanders data, `count ~ mined + (1 | site)` (Examples/Salamanders.csv; the script is
/// Fixtures/reference/glmm/make_glmm_references.R): −2 log L 1738.22998883, shape k 0.6390172427,
/// site SD 0.5246312635, β (−1.490711226, 2.252619002), SEs (0.2238441579, 0.2803889829) with k
/// held at its estimate, as `glmer.nb` reports them.
@Suite struct NegativeBinomialTests {
    static func model() throws -> GeneralizedLinearMixedModel {
        var options = CSVOptions()
        options.levelOrders = ["mined": ["yes", "no"]]
        let data = try CSVReader.read(path: "Examples/Salamanders.csv", options: options)
        return try GeneralizedLinearMixedModel(design: ModelDesign(formula: "count ~ mined + (1 | site)", data: data), family: NegativeBinomialFamily())
    }

    @Test func matchesGlmerNB() throws {
        let model = try Self.model()
        let fit = try model.fit()
        #expect(fit.objective - 1738.22998883 <= 1e-8 * 1738.23, "\(fit.objective)")
        #expect(relativeError(try #require(fit.dispersion), 0.6390172427) < 1e-4)
        #expect(relativeError(fit.varianceComponents[0].standardDeviations[0], 0.5246312635) < 1e-4)
        for (estimate, expected) in zip(fit.fixedEffects.map(\.estimate), [-1.490711226, 2.252619002]) {
            #expect(relativeError(estimate, expected) < 1e-4)
        }
        #expect(fit.degreesOfFreedom == 4 && fit.converged && fit.warnings.isEmpty)

        // glmer.nb's standard errors hold k fixed: the Hessian in (θ, β) at k̂. (With PIRLS's Fisher
        // scoring on this non-canonical link they were 1.2% off: û stopped near 1e-7 and the
        // difference Hessian amplified it; Newton's steps converge to rounding.)
        var atShape = model
        atShape.family = NegativeBinomialFamily(shape: try #require(fit.dispersion))
        var core = model.effectsOnly
        var state = model.startingState
        let t = model.thetaCount
        let hessian = try atShape.centralHessian(at: fit.theta + fit.fixedEffects.map(\.estimate)) { x throws(MixedModelError) in
            state.beta = Array(x[t...])
            try atShape.pirls(&core, theta: Array(x[..<t]), state: &state, holdingBeta: true)
            return atShape.laplaceDeviance(core, state: state)
        }
        let fixedShape = try #require(GeneralizedLinearMixedModel.fixedEffectsCovariance(hessian: hessian, thetaCount: t, fixedCount: 2))
        for (j, expected) in [0.2238441579, 0.2803889829].enumerated() {
            #expect(relativeError(fixedShape[j, j].squareRoot(), expected) < 1e-4, "SE \(fixedShape[j, j].squareRoot()) vs \(expected)")
            // The fit's own SEs carry k's uncertainty too (log k is in its Hessian), so they are larger.
            #expect(fit.fixedEffects[j].standardError > expected)
        }
    }

    @Test func logLikelihoodIsTheNegativeBinomialMass() {
        // dnbinom(3, size = 0.7, mu = 2.5, log = TRUE) in R.
        let family = NegativeBinomialFamily(shape: 0.7)
        #expect(abs(family.logLikelihood(3, 2.5, weight: 1) - (-2.4290126505)) < 1e-9)
        #expect(family.invalidResponse(2.5, weight: 1) != nil && family.invalidResponse(-1, weight: 1) != nil)
        #expect(family.invalidResponse(4, weight: 1) == nil)
    }

    @Test func commandPrintsTheShape() throws {
        let arguments = ["fit", "Examples/Salamanders.csv", "-f", "count ~ mined + (1 | site)", "--family", "negative-binomial",
                         "--levels", "mined=yes,no", "--quiet"]
        let text = try CommandLineTests.marginal(arguments)
        #expect(text.status == 0 && text.stdout.contains("Family: negative-binomial(0.6390)  ( log )"), "\(text.stderr)")
        let json = try CommandLineTests.marginal(arguments + ["--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(relativeError(try #require(object["dispersion"] as? Double), 0.6390172427) < 1e-4)
        let counts = try CommandLineTests.marginal(["fit", "Examples/sleepstudy.csv", "-f", "Reaction ~ Days + (1 | Subject)", "--family", "negative-binomial"])
        #expect(counts.status != 0 && counts.stderr.contains("non-negative whole count"), "\(counts.stderr)")
        let quadrature = try CommandLineTests.marginal(arguments + ["--nagq", "5"])
        #expect(quadrature.status != 0 && quadrature.stderr.contains("dispersion is estimated"), "\(quadrature.stderr)")
    }
}
