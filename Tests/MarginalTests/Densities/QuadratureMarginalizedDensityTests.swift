import Foundation
import Testing
@testable import Marginal

/// The GLMM posterior density with its one scalar term integrated out by adaptive quadrature: its
/// value against the marginal likelihood by brute force (a 2,001-point trapezoid rule per level,
/// ``BruteForceMarginal``) and, at one point, against the Laplace deviance PIRLS gives; its
/// gradient against central differences of itself.
@Suite struct QuadratureMarginalizedDensityTests {
    typealias Data = AdaptiveQuadratureTests

    static let cases: [(formula: String, family: any ResponseFamily)] = [
        ("y ~ x1 + x2 + (1 | g)", BinomialFamily()),
        ("cbind(k, m - k) ~ x1 + (1 | g)", BinomialFamily()),
        ("count ~ x1 + (1 | g)", PoissonFamily()),
        ("y ~ x1 + (0 + x2 | g)", BinomialFamily()),
    ]

    static func density(_ index: Int, points: Int, priors: Bool = false) throws -> GeneralizedMixedDensity {
        let model = try Data.model(cases[index].formula, family: cases[index].family, levels: 12, rows: 5, seed: 31)
        return try GeneralizedMixedDensity(
            model: model, integrating: "g", points: points,
            priors: .uniform(model, fixed: priors ? .normal(mean: 0, sd: 2.5) : .flat, sd: priors ? .halfStudentT(df: 3, scale: 2.5) : .flat))
    }

    @Test(arguments: 0..<4)
    func valueMatchesBruteForce(_ index: Int) throws {
        var density = try Self.density(index, points: 25)
        let p = density.dimension - 1
        for (beta, tau) in [(Array(repeating: 0.2, count: p), 0.8), ((0..<p).map { 0.5 - 0.4 * Double($0) }, 2.5), (Array(repeating: -0.3, count: p), 0.05)] {
            var gradient = [Double](repeating: 0, count: density.dimension)
            let value = density.logDensity(at: density.priors.fixedCoordinates(beta) + [log(tau)], gradient: &gradient)
            let reference = -0.5 * BruteForceMarginal.deviance(density.model, theta: [tau], beta: beta, halfWidth: 12, points: 2001) + log(tau)
            #expect(abs(value - reference) < 1e-8 * max(1, abs(reference)), "\(Self.cases[index].formula) at τ = \(tau): \(value) vs \(reference)")
        }
    }

    /// One point is the Laplace approximation, which PIRLS's deviance gives independently.
    @Test(arguments: 0..<4)
    func onePointIsLaplace(_ index: Int) throws {
        var density = try Self.density(index, points: 1)
        let p = density.dimension - 1
        let beta = (0..<p).map { 0.3 - 0.2 * Double($0) }
        let tau = 1.3
        var gradient = [Double](repeating: 0, count: density.dimension)
        let value = density.logDensity(at: density.priors.fixedCoordinates(beta) + [log(tau)], gradient: &gradient)
        let laplace = try Data.deviances(density.model, theta: [tau], beta: beta, points: []).laplace
        #expect(abs(value - (-0.5 * laplace + log(tau))) < 1e-8 * abs(laplace))
    }

    @Test(arguments: 0..<4)
    func gradientMatchesDifferences(_ index: Int) throws {
        var density = try Self.density(index, points: 9, priors: true)
        let p = density.dimension - 1
        let x = (0..<p).map { 0.4 - 0.3 * Double($0) } + [log(0.9)]
        var gradient = [Double](repeating: 0, count: density.dimension)
        _ = density.logDensity(at: x, gradient: &gradient)
        var scratch = gradient
        let h = 1e-5
        for j in x.indices {
            var plus = x, minus = x
            plus[j] += h
            minus[j] -= h
            let difference = (density.logDensity(at: plus, gradient: &scratch) - density.logDensity(at: minus, gradient: &scratch)) / (2 * h)
            #expect(abs(gradient[j] - difference) < 1e-6 * max(1, abs(difference)), "\(Self.cases[index].formula), coordinate \(j): \(gradient[j]) vs \(difference)")
        }
    }

    @Test func refusesWhereItDoesNotApply() throws {
        let frame = try Data.frame(levels: 8, rows: 6, seed: 5)
        // A vector term integrated out, a factor the model lacks, a non-canonical link, too many points.
        let refused: [(String, any ResponseFamily, Link?, String, Int)] = [
            ("y ~ x1 + (1 + x1 | g)", BinomialFamily(), nil, "g", 9),
            ("y ~ x1 + (1 | g) + (1 | c)", BinomialFamily(), nil, "h", 9),
            ("y ~ x1 + (1 | g)", BinomialFamily(), .probit, "g", 9),
            ("y ~ x1 + (1 | g)", BinomialFamily(), nil, "g", 0),
        ]
        for (formula, family, link, group, points) in refused {
            let model = try GeneralizedLinearMixedModel(design: ModelDesign(formula: formula, data: frame), family: family, link: link)
            #expect(throws: MixedModelError.self) {
                try GeneralizedMixedDensity(model: model, integrating: group, points: points, priors: GeneralizedPriors(design: model.design, blocks: model.blocks))
            }
        }
    }
}
