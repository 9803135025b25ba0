import Foundation
import Testing
@testable import Marginal

/// Generalized linear mixed models by the Laplace approximation against lme4's `glmer` and
/// glmmTMB on lme4's cbpp data (Fixtures/reference/glmm/make_glmm_references.R prints the
/// numbers). lme4 is run with `tolPwrss = 1e-12`: at its default 1e-7 its Laplace deviance carries
/// the log-determinant at weights one PIRLS step behind the mode (184.0531328 against the exact
/// 184.0525637 for the logit model, which lme4 with the tight tolerance, glmmTMB and Marginal
/// agree on to 1e-10).
@Suite struct GeneralizedReferenceTests {
    struct Reference: Sendable {
        let name: String
        let formula: String
        let family: String
        let link: Link
        let deviance: Double
        let sd: Double
        let beta: [Double]
        /// lme4's Hessian-based standard errors (nil where they are not compared).
        let standardErrors: [Double]?
    }

    static let references: [Reference] = [
        Reference(
            name: "logit", formula: "cbind(incidence, size - incidence) ~ period + (1 | herd)", family: "binomial", link: .logit,
            deviance: 184.052563729523, sd: 0.6422616722,
            beta: [-1.3985324664, -0.9923322929, -1.1286712975, -1.5803136871],
            standardErrors: [0.2324733854, 0.3066414824, 0.3266375665, 0.4274378166]),
        // For a non-canonical link the Laplace deviance depends on which information enters its
        // log-determinant: lme4 (and Marginal) use PIRLS's expected information, glmmTMB the
        // observed one (185.1667), so the reference is lme4's.
        Reference(
            name: "probit", formula: "cbind(incidence, size - incidence) ~ period + (1 | herd)", family: "binomial", link: .probit,
            deviance: 185.242446757833, sd: 0.3380006230,
            beta: [-0.8354780798, -0.5280387702, -0.6168865436, -0.7995707968], standardErrors: nil),
        Reference(
            name: "poisson with offset", formula: "incidence ~ period + offset(log(size)) + (1 | herd)", family: "poisson", link: .log,
            deviance: 180.483295412707, sd: 0.4915791413,
            beta: [-1.6483648973, -0.8440633158, -0.9662877154, -1.3910466613],
            standardErrors: [0.1938592112, 0.2845330261, 0.3055189941, 0.4091874910]),
    ]

    static func fit(_ reference: Reference) throws -> GeneralizedLinearMixedModelFit {
        var options = CSVOptions()
        options.factorColumns = ["period"]
        let data = try CSVReader.read(path: "Examples/cbpp.csv", options: options)
        let design = try ModelDesign(formula: reference.formula, data: data)
        let family = try #require(ResponseFamilies.named(reference.family))
        return try GeneralizedLinearMixedModel(design: design, family: family, link: reference.link).fit()
    }

    @Test(arguments: references.map(\.name))
    func matchesReference(_ name: String) throws {
        let reference = try #require(Self.references.first { $0.name == name })
        let fit = try Self.fit(reference)
        // The deviance within 1e-8 relative, or lower.
        #expect(fit.objective - reference.deviance <= 1e-8 * reference.deviance, "\(fit.objective) vs \(reference.deviance)")
        #expect(abs(fit.objective - reference.deviance) <= 1e-6 * reference.deviance)
        #expect(relativeError(fit.varianceComponents[0].standardDeviations[0], reference.sd) < 1e-4)
        for (estimate, expected) in zip(fit.fixedEffects.map(\.estimate), reference.beta) {
            #expect(relativeError(estimate, expected) < 1e-4, "β \(estimate) vs \(expected)")
        }
        if let errors = reference.standardErrors {
            for (estimate, expected) in zip(fit.fixedEffects.map(\.standardError), errors) {
                #expect(relativeError(estimate, expected) < 1e-4, "SE \(estimate) vs \(expected)")
            }
        }
        #expect(fit.converged && !fit.isSingular && fit.warnings.isEmpty)
        #expect(fit.degreesOfFreedom == 5 && fit.residualDegreesOfFreedom == 51)
    }

    /// At θ = 0 the model is a generalized linear model: PIRLS with β free reaches R's `glm`
    /// estimate and its −2 log-likelihood (198.0583990, coefficients from `glm`).
    @Test func pirlsAtZeroThetaIsTheGLM() throws {
        var options = CSVOptions()
        options.factorColumns = ["period"]
        let data = try CSVReader.read(path: "Examples/cbpp.csv", options: options)
        let design = try ModelDesign(formula: "cbind(incidence, size - incidence) ~ period + (1 | herd)", data: data)
        let model = try GeneralizedLinearMixedModel(design: design, family: BinomialFamily())
        var core = model.withFixedEffects
        var state = model.startingState
        try model.pirls(&core, theta: [0], state: &state, holdingBeta: false)
        for (estimate, expected) in zip(state.beta, [-1.269023, -1.170763, -1.301405, -1.782279]) {
            #expect(abs(estimate - expected) < 1e-6)
        }
        #expect(abs(model.laplaceDeviance(core, state: state) - 2 * 99.0292) < 1e-3)
    }

    /// The score ∂ log p/∂η of each family and link against central differences of the log-likelihood.
    @Test(arguments: [("binomial", Link.logit), ("binomial", .probit), ("binomial", .cloglog), ("poisson", .log)])
    func scoreMatchesFiniteDifferences(_ name: String, _ link: Link) throws {
        let family = try #require(ResponseFamilies.named(name))
        let cases: [(y: Double, weight: Double, eta: Double)] = name == "poisson"
            ? [(0, 1, -0.3), (3, 1, 1.2), (7, 2, 0.4)] : [(0, 1, -0.3), (1, 1, 0.8), (0.4, 5, 0.2)]
        for c in cases {
            let h = 1e-6
            let numeric = (family.logLikelihood(c.y, link.mean(c.eta + h), weight: c.weight)
                - family.logLikelihood(c.y, link.mean(c.eta - h), weight: c.weight)) / (2 * h)
            #expect(abs(family.score(c.y, eta: c.eta, link: link, weight: c.weight) - numeric) < 1e-6 * max(1, abs(numeric)))
        }
    }

    @Test func invalidResponsesAreNamed() throws {
        let data = try CSVReader.read(path: "Examples/cbpp.csv")
        let design = try ModelDesign(formula: "size ~ period + (1 | herd)", data: data)
        #expect(throws: MixedModelError.self) { try GeneralizedLinearMixedModel(design: design, family: BinomialFamily()) }
        let counts = try ModelDesign(formula: "I(incidence / 2) ~ period + (1 | herd)", data: data)
        #expect(throws: MixedModelError.self) { try GeneralizedLinearMixedModel(design: counts, family: PoissonFamily()) }
        let cbind = try ModelDesign(formula: "cbind(incidence, size - incidence) ~ period + (1 | herd)", data: data)
        #expect(throws: MixedModelError.binomialResponseNeedsFamily) { try LinearMixedModel(design: cbind) }
        #expect(throws: MixedModelError.self) { try GeneralizedLinearMixedModel(design: cbind, family: PoissonFamily(), link: .logit) }
    }
}
