import Foundation
import Testing
@testable import Marginal

/// Reweighting the penalized least-squares core (what PIRLS does at every step): new weights and a
/// new response accumulated on the pattern built for the unweighted model give the profiled
/// objective of the dense O(N³) formula for the reweighted data, and the same β̂ as a model
/// built with those weights from the start.
@Suite struct ReweightTests {
    static let names = ["sleepstudy", "penicillin", "three levels", "nested and crossed", "crossed slopes"]

    @Test(arguments: names, [FitCriterion.ml, .reml])
    func reweightedObjectiveEqualsDenseFormula(_ name: String, _ criterion: FitCriterion) throws {
        let model = try DensityTestModels.model(named: name)
        let n = model.design.nobs
        var reweighted = model.design
        reweighted.weights = (0..<n).map { 0.4 + Double(($0 * 7) % 11) / 5 }
        reweighted.response = model.design.response.enumerated().map { $0.element * 0.7 + sin(Double($0.offset)) }
        let target = try LinearMixedModel(design: reweighted)

        var core = PenalizedLeastSquares(products: model.products, factors: model.factors)
        core.reweight(weights: reweighted.weights, response: reweighted.responseLessOffset)
        for theta in [model.initialTheta, model.initialTheta.enumerated().map { 0.3 + 0.2 * Double($0.offset) }] {
            let value = LinearMixedModel.objective(&core, theta: theta, criterion: criterion)
            let dense = DenseObjectiveTests.denseObjective(target, theta: theta, criterion: criterion)
            #expect(relativeError(value, dense) < 1e-10, "\(name) θ=\(theta): \(value) vs \(dense)")

            var fresh = PenalizedLeastSquares(products: target.products, factors: target.factors)
            _ = fresh.update(theta: theta)
            let (uReweighted, betaReweighted) = core.solve()
            let (uFresh, betaFresh) = fresh.solve()
            for (a, b) in zip(betaReweighted, betaFresh) { #expect(abs(a - b) <= 1e-9 * max(1, abs(b))) }
            for (a, b) in zip(uReweighted.joined(), uFresh.joined()) { #expect(abs(a - b) <= 1e-9 * max(1, abs(b))) }
        }
    }

    /// Reweighting back to the original weights and response restores the original values exactly
    /// (the accumulation starts from zero each time).
    @Test func reweightingBackRestoresTheCrossProducts() throws {
        let model = try DensityTestModels.model(named: "three levels")
        var products = model.products
        products.reweight(weights: Array(repeating: 3, count: model.design.nobs), response: model.design.response.map { $0 * 2 })
        products.reweight(weights: model.design.weights, response: model.design.responseLessOffset)
        #expect(products.trailing == model.products.trailing)
        #expect(products.first.values == model.products.first.values)
        #expect(products.first.diagonal == model.products.first.diagonal)
        #expect(products.nested.map(\.values) == model.products.nested.map(\.values))
    }
}
