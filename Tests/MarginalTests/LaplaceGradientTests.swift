import Foundation
import Testing
@testable import Marginal

/// The exact gradient of the Laplace deviance in (θ, β) against central differences of the
/// deviance itself (PIRLS at each moved point, converged to 1e-12), on a scalar block with
/// binomial trials, crossed scalar blocks, a vector block (random slope), crossed blocks with a
/// vector second block, and a Poisson model with an offset; and the adjoint solve M⁻¹b against
/// the product with M formed from Z densely.
@Suite struct LaplaceGradientTests {
    static let cases = PIRLSNewtonTests.cases.filter { $0.link == .logit || $0.link == .log } + [
        PIRLSNewtonTests.Case(
            name: "crossed, vector second block", file: "binary_crossed", factors: [],
            formula: "y ~ x1 + x2 + (1 | g1) + (1 + x1 | g2)", family: "binomial", link: .logit,
            theta: [0.8, 0.4, 0.1, 0.3], beta: [-0.45, 0.31, -0.31]),
    ]

    static func model(_ example: PIRLSNewtonTests.Case) throws -> GeneralizedLinearMixedModel {
        let design = try GeneralizedReferenceTests.design(example.formula, file: example.file, factors: example.factors)
        return try GeneralizedLinearMixedModel(design: design, family: try #require(ResponseFamilies.named(example.family)), link: example.link)
    }

    @Test(arguments: cases)
    func gradientMatchesDifferences(_ example: PIRLSNewtonTests.Case) throws {
        let model = try Self.model(example)
        #expect(model.hasExactLaplaceGradient)
        try Self.expectGradientMatchesDifferences(model, theta: example.theta, beta: example.beta, label: example.name)
    }

    /// The exact gradient at (θ, β) against central differences of the Laplace deviance.
    static func expectGradientMatchesDifferences(_ model: GeneralizedLinearMixedModel, theta: [Double], beta: [Double], label: String) throws {
        let t = theta.count
        func deviance(_ x: [Double]) throws -> (Double, [Double]?) {
            var core = model.effectsOnly
            var state = model.startingState
            state.beta = Array(x[t...])
            try model.pirls(&core, theta: Array(x[..<t]), state: &state, holdingBeta: true, tolerance: 1e-12)
            return (model.laplaceDeviance(core, state: state), model.laplaceGradient(core, theta: Array(x[..<t]), state: state))
        }
        let x = theta + beta
        let gradient = try #require(try deviance(x).1)
        #expect(gradient.count == x.count)
        for i in x.indices {
            let h = 1e-5 * max(1, abs(x[i]))
            var plus = x, minus = x
            plus[i] += h
            minus[i] -= h
            let numeric = (try deviance(plus).0 - deviance(minus).0) / (2 * h)
            #expect(abs(gradient[i] - numeric) <= 1e-5 * max(1, abs(numeric)), "\(label) x\(i): \(gradient[i]) vs \(numeric)")
        }
    }

    @Test func adjointSolveInvertsTheSystem() throws {
        let example = try #require(Self.cases.first { $0.name == "crossed, vector second block" })
        let model = try Self.model(example)
        var core = model.effectsOnly
        var state = model.startingState
        state.beta = example.beta
        try model.pirls(&core, theta: example.theta, state: &state, holdingBeta: true)
        // M b = ΛᵀZᵀWZΛ b + b with W PIRLS's final weights, in the core's layout (blocks in order).
        let zl = PIRLSNewtonTests.denseZLambda(model, theta: example.theta)
        let q = zl[0].count
        let b = (0..<q).map { sin(Double($0) + 0.3) }
        let x = core.solveRandomSystem(b)
        var product = x
        for i in 0..<model.design.nobs {
            let w = model.family.working(model.design.response[i], eta: state.eta[i], link: model.link, weight: 1).weight
            let zx = zip(zl[i], x).reduce(0) { $0 + $1.0 * $1.1 }
            for j in 0..<q where zl[i][j] != 0 { product[j] += zl[i][j] * w * zx }
        }
        for j in 0..<q { #expect(abs(product[j] - b[j]) <= 1e-9, "row \(j): \(product[j]) vs \(b[j])") }
    }
}
