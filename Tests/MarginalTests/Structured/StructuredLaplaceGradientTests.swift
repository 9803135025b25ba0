import Foundation
import Testing
@testable import Marginal

/// The exact Laplace gradient in (θ, β) of generalized models with structured terms, pulled back
/// through each structure (``ThetaLayout/pullBack(_:theta:)``), against central differences of
/// the Laplace deviance (PIRLS converged to 1e-12 at each point), away from the optimum.
@Suite struct StructuredLaplaceGradientTests {
    static let cases: [(file: String, formula: String, family: any ResponseFamily, theta: [Double], beta: [Double])] = [
        ("binary_ar1.csv", "y ~ x + ar1(time + 0 | id)", BinomialFamily(), [0.8, 1.2], [-0.2, 0.3]),
        ("poisson_gau.csv", "count ~ 1 + gau(pos + 0 | site)", PoissonFamily(), [0.7, 0.4], [0.4]),
        ("binary_ar1.csv", "y ~ x + toep(time + 0 | id)", BinomialFamily(), [0.5, 0.6, 0.7, 0.5, 0.6, 0.4, 0.8, 0.3, 0.1, 0, -0.1], [-0.2, 0.3]),
    ]

    @Test(arguments: cases.indices)
    func gradientMatchesDifferences(_ index: Int) throws {
        let example = Self.cases[index]
        let data = try CSVReader.read(path: StructuredCovarianceReferenceTests.directory + example.file)
        let model = try GeneralizedLinearMixedModel(design: ModelDesign(formula: example.formula, data: data), family: example.family)
        #expect(model.hasExactLaplaceGradient)
        try LaplaceGradientTests.expectGradientMatchesDifferences(model, theta: example.theta, beta: example.beta, label: example.formula)
    }
}
