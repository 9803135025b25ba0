import Foundation
import Testing
@testable import Marginal

/// Generalized linear mixed models with glmmTMB's structures by the Laplace approximation
/// against glmmTMB 1.1.5 (polished to a gradient below 1e-10; make_structured_references.R §6):
/// a Bernoulli model with an AR(1) subject trajectory and a Poisson model with a
/// squared-exponential (`gau`) site effect over unequally spaced positions. The fit takes the
/// exact Laplace gradient, pulled back through the structures.
@Suite struct StructuredGeneralizedReferenceTests {
    struct Reference: Sendable, CustomTestStringConvertible {
        let file: String
        let formula: String
        let family: any ResponseFamily
        let deviance: Double
        let beta: [Double]
        let sd: Double
        let parameter: (String, Double)
        var testDescription: String { formula }
    }

    static let references: [Reference] = [
        Reference(
            file: "binary_ar1.csv", formula: "y ~ x + ar1(time + 0 | id)", family: BinomialFamily(),
            deviance: 2369.8132028539, beta: [-0.2995321957, 0.4266936037], sd: 0.6129326113, parameter: ("rho", 0.8941979117)),
        Reference(
            file: "poisson_gau.csv", formula: "count ~ 1 + gau(pos + 0 | site)", family: PoissonFamily(),
            deviance: 1834.4133000096, beta: [0.5107201697], sd: 0.5555746907, parameter: ("range", 1.8534054919)),
    ]

    @Test(arguments: references)
    func matchesGlmmTMB(_ reference: Reference) throws {
        let data = try CSVReader.read(path: StructuredCovarianceReferenceTests.directory + reference.file)
        let design = try ModelDesign(formula: reference.formula, data: data)
        let model = try GeneralizedLinearMixedModel(design: design, family: reference.family)
        #expect(model.hasExactLaplaceGradient)
        let fit = try model.fit()
        #expect(fit.converged && fit.warnings.isEmpty, "\(fit.warnings)")
        #expect(relativeError(fit.objective, reference.deviance) < 1e-9, "-2 log L \(fit.objective) vs \(reference.deviance)")
        for (estimate, expected) in zip(fit.fixedEffects.map(\.estimate), reference.beta) {
            #expect(relativeError(estimate, expected) < 1e-5, "β \(estimate) vs \(expected)")
        }
        let component = try #require(fit.varianceComponents.first)
        #expect(relativeError(component.standardDeviations[0], reference.sd) < 1e-5, "SD \(component.standardDeviations[0]) vs \(reference.sd)")
        let parameter = try #require(component.structureParameters.first)
        #expect(parameter.name == reference.parameter.0)
        #expect(relativeError(parameter.value, reference.parameter.1) < 1e-5, "\(parameter.name) \(parameter.value) vs \(reference.parameter.1)")
    }
}
