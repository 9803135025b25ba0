import Foundation
import Testing
@testable import Marginal

/// The exact gradient of the profiled objective through each structure's chain rule
/// (``CovarianceStructure/pullBack(_:ld:theta:into:)``) against central differences of the
/// objective, away from the optimum, for ML and REML.
@Suite struct StructuredGradientTests {
    static let directory = StructuredCovarianceReferenceTests.directory

    static let cases: [(file: String, formula: String, theta: [Double])] = [
        (directory + "repeated.csv", "y ~ time + x + ar1(time + 0 | id)", [1.3, -0.4]),
        (directory + "repeated.csv", "y ~ time + x + toep(time + 0 | id)", [1.2, 1.5, 0.9, 1.1, 1.4, 1.0, 0.5, 0.2, -0.1, 0.1, 0.05]),
        (directory + "ou.csv", "y ~ time + ou(time + 0 | id)", [1.1, -0.3]),
        (directory + "ou.csv", "y ~ time + exp(time + 0 | id)", [1.1, 0.3]),
        (directory + "ou.csv", "y ~ time + gau(time + 0 | id)", [0.8, 0.2]),
        (directory + "machines.csv", "score ~ Machine + cs(Machine + 0 | Worker)", [3, 6, 4, 0.7]),
        (directory + "matern.csv", "y ~ 1 + mat(pos + 0 | site)", [4, 0.5, 0.3]),
        // A structured term beside lme4's on another factor, as the dense part of the factor.
        (directory + "repeated.csv", "y ~ time + x + ar1(time + 0 | id) + (1 | time)", [1.3, 0.4, 0.5]),
    ]

    @Test(arguments: cases.indices, [FitCriterion.ml, .reml])
    func exactGradientMatchesDifferences(_ index: Int, criterion: FitCriterion) throws {
        let (file, formula, theta) = Self.cases[index]
        let model = try LinearMixedModel(formula: formula, data: CSVReader.read(path: file))
        var factor = PenalizedLeastSquares(products: model.products, factors: model.factors)
        _ = LinearMixedModel.objective(&factor, theta: theta, criterion: criterion)
        let exact = try #require(factor.profiledGradient(criterion: criterion))
        let h = 1e-6
        for i in theta.indices {
            var up = theta, down = theta
            up[i] += h
            down[i] -= h
            let difference = (model.objective(theta: up, criterion: criterion) - model.objective(theta: down, criterion: criterion)) / (2 * h)
            #expect(abs(exact[i] - difference) < 1e-5 * max(1, abs(difference)), "\(formula) θ[\(i)]: \(exact[i]) vs \(difference)")
        }
    }
}
