import Foundation
import Testing
@testable import Marginal

/// The Laplace log-determinant at the observed information (glmmTMB's exact Laplace) against
/// glmmTMB 1.1.5: a Gamma GLMM with a log link on simulated data (Examples/gamma_groups.csv:
/// numpy seed 17, 30 groups of 10, y ~ Gamma(shape 4, mean exp(1 + 0.3x + b_g)), b_g ~ N(0, 0.4²))
/// and the negative binomial on Salamanders, whose nbinom2 fit glmmTMB makes the same way. The
/// numbers come from Fixtures/reference/glmm/make_glmm_references.R.
@Suite struct GammaAndObservedInformationTests {
    struct Reference: Sendable, CustomStringConvertible {
        let name: String
        let file: String
        let formula: String
        let family: any ResponseFamily
        let link: Link
        var levels: [String: [String]] = [:]
        let deviance: Double
        let dispersion: Double
        let sd: Double
        let beta: [Double]
        let standardErrors: [Double]
        var description: String { name }
    }

    static let references = [
        Reference(
            name: "gamma, log link", file: "gamma_groups", formula: "y ~ x + (1 | g)", family: GammaFamily(), link: .log,
            deviance: 958.9204855931, dispersion: 0.2226164721, sd: 0.4738632045, beta: [0.9171575924, 0.3023143362],
            standardErrors: [0.0907959496, 0.0291834909]),
        Reference(
            name: "negative binomial (nbinom2)", file: "Salamanders", formula: "count ~ mined + (1 | site)", family: NegativeBinomialFamily(),
            link: .log, levels: ["mined": ["yes", "no"]], deviance: 1738.3322960164, dispersion: 0.6390482062, sd: 0.5246750010,
            beta: [-1.4740915073, 2.2581727029], standardErrors: [0.2235178876, 0.2808507227]),
    ]

    @Test(arguments: references)
    func matchesGlmmTMB(_ reference: Reference) throws {
        var options = CSVOptions()
        options.levelOrders = reference.levels
        let data = try CSVReader.read(path: "Examples/\(reference.file).csv", options: options)
        var model = try GeneralizedLinearMixedModel(design: ModelDesign(formula: reference.formula, data: data), family: reference.family, link: reference.link)
        model.information = .observed
        let fit = try model.fit()
        #expect(fit.objective - reference.deviance <= 1e-8 * reference.deviance, "\(fit.objective) vs \(reference.deviance)")
        #expect(abs(fit.objective - reference.deviance) <= 1e-6 * reference.deviance)
        #expect(relativeError(try #require(fit.dispersion), reference.dispersion) < 1e-4)
        #expect(relativeError(fit.varianceComponents[0].standardDeviations[0], reference.sd) < 1e-4)
        for (estimate, expected) in zip(fit.fixedEffects.map(\.estimate), reference.beta) { #expect(relativeError(estimate, expected) < 1e-4) }
        for (error, expected) in zip(fit.fixedEffects.map(\.standardError), reference.standardErrors) {
            #expect(relativeError(error, expected) < 1e-4, "SE \(error) vs \(expected)")
        }
        #expect(fit.converged && fit.warnings.isEmpty, "\(fit.warnings)")
    }

    @Test func gammaLogLikelihoodAndResponses() {
        // dgamma(2.5, shape = 4, scale = 1.5 / 4, log = TRUE) in R: φ = 1/4, μ = 1.5.
        let family = GammaFamily(dispersion: 0.25)
        #expect(abs(family.logLikelihood(2.5, 1.5, weight: 1) - (-1.7862369282)) < 1e-9)
        #expect(family.invalidResponse(0, weight: 1) != nil && family.invalidResponse(-1, weight: 1) != nil)
        #expect(family.invalidResponse(0.3, weight: 1) == nil)
    }

    @Test func commandTakesTheFamilyAndTheInformation() throws {
        let arguments = ["fit", "Examples/gamma_groups.csv", "-f", "y ~ x + (1 | g)", "--family", "gamma", "--link", "log", "--quiet"]
        let run = try CommandLineTests.marginal(arguments + ["--information", "observed", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(abs(try #require(object["objective"] as? Double) - 958.9204855931) < 1e-6)
        #expect(relativeError(try #require(object["dispersion"] as? Double), 0.2226164721) < 1e-4)
        let bad = try CommandLineTests.marginal(["fit", "Examples/sleepstudy.csv", "-f", "Days ~ Reaction + (1 | Subject)", "--family", "gamma"])
        #expect(bad.status != 0 && bad.stderr.contains("a Gamma response is positive"), "\(bad.stderr)")
        let linear = try CommandLineTests.marginal(["fit", "Examples/sleepstudy.csv", "-f", "Reaction ~ Days + (1 | Subject)", "--information", "observed"])
        #expect(linear.status != 0 && linear.stderr.contains("--information applies to a generalized model"))
    }
}
