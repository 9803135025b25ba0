import Foundation
import Testing
@testable import Marginal

/// The embedded-Laplace density (`--marginalize laplace`): its value against the Laplace
/// approximation computed here level by level (one scalar term: a 1-D Newton search per level),
/// its gradient against central differences, and its posterior against the exact one.
@Suite struct LaplaceMarginalizedDensityTests {
    typealias Data = AdaptiveQuadratureTests

    /// log p(x) = −D/2 + Σ log SD (flat priors: only the log-SD Jacobians), with
    /// D = −2 Σ_j [f_j(û_j) − ½ log(−f_j″(û_j))], f_j(u) = Σ_{i∈j} ℓᵢ(oᵢ + xᵢᵀβ + τzᵢu) − u²/2.
    @Test(arguments: ["cbind(k, m - k) ~ x1 + (1 | g)", "count ~ x1 + (1 | g)"])
    func valueIsTheLaplaceApproximation(_ formula: String) throws {
        let model = try Data.model(formula, family: formula.hasPrefix("count") ? PoissonFamily() : BinomialFamily())
        var density = try LaplaceMarginalizedDensity(model: model, priors: .uniform(model, fixed: .flat, sd: .flat))
        #expect(density.dimension == 3)
        let design = model.design, x = design.fixedEffects.matrix, block = model.blocks[0]
        var gradient = [0.0, 0.0, 0.0]
        for (beta, tau) in [([0.2, -0.4], 0.8), ([-0.5, 0.9], 2.2), ([0.1, 0.3], 0.05)] {
            let value = density.logDensity(at: density.priors.fixedCoordinates(beta) + [log(tau)], gradient: &gradient)
            var deviance = 0.0
            for level in 0..<block.levelCount {
                let rows = (0..<design.nobs).filter { Int(block.codes[$0]) == level }
                func terms(_ u: Double) -> (value: Double, first: Double, second: Double) {
                    var (f, g, h) = (-u * u / 2, -u, -1.0)
                    for i in rows {
                        let eta = beta[0] * x[i, 0] + beta[1] * x[i, 1] + tau * block.z[0, i] * u
                        let mu = model.link.mean(eta)
                        let m = model.priorWeights[i], y = design.response[i]
                        f += model.family.logLikelihood(y, mu, weight: m)
                        let variance = formula.hasPrefix("count") ? mu : mu * (1 - mu)
                        g += tau * block.z[0, i] * m * (y - mu)
                        h -= tau * tau * block.z[0, i] * block.z[0, i] * m * variance
                    }
                    return (f, g, h)
                }
                var u = 0.0
                for _ in 0..<100 {
                    let t = terms(u)
                    u -= t.first / t.second
                }
                let t = terms(u)
                #expect(abs(t.first) < 1e-10)
                deviance -= 2 * (t.value - 0.5 * log(-t.second))
            }
            let reference = -deviance / 2 + log(tau)
            #expect(abs(value - reference) < 1e-8 * max(1, abs(reference)), "\(formula) at τ = \(tau): \(value) vs \(reference)")
        }
    }

    /// Crossed terms, one a correlated vector term: the gradient by the adjoint method against
    /// central differences of the value.
    @Test(arguments: ["y ~ x1 + (1 | g) + (1 + x1 | c)", "count ~ x1 + (1 | g) + (1 | c)"])
    func gradientMatchesDifferences(_ formula: String) throws {
        let model = try Data.model(formula, family: formula.hasPrefix("count") ? PoissonFamily() : BinomialFamily(), levels: 6, rows: 4, seed: 31)
        var density = try LaplaceMarginalizedDensity(model: model, priors: GeneralizedPriors(design: model.design, blocks: model.blocks))
        let x = (0..<density.dimension).map { 0.4 * sin(1.3 * Double($0) + 0.5) }
        var gradient = [Double](repeating: 0, count: density.dimension), scratch = gradient
        #expect(density.logDensity(at: x, gradient: &gradient).isFinite)
        let differences = DensityTestModels.finiteDifferenceGradient(x) { density.logDensity(at: $0, gradient: &scratch) }
        for (j, difference) in differences.enumerated() {
            #expect(abs(gradient[j] - difference) < 1e-5 * max(1, abs(difference)), "\(formula), coordinate \(j): \(gradient[j]) vs \(difference)")
        }
    }

    /// On lme4's cbpp the Laplace posterior sits close to the exact one (the quadrature route):
    /// Laplace's error on a 15-herd binomial model is a few hundredths on the logit scale (glmer's
    /// Laplace and 25-point fits differ by 0.003 in β and 0.01 in the SD), far below the
    /// posterior SDs (0.2–0.3); the draws and the warning say it is approximate.
    @Test func cbppPosteriorIsCloseToTheExactOne() throws {
        let model = try GeneralizedReferenceTests.cbppModel()
        let settings = SamplerSettings(chains: 2, warmup: 500, draws: 1000, seed: 5)
        let laplace = try model.samplePosterior(PosteriorRequest(strategy: .laplace, settings: settings), progress: nil)
        let exact = try model.samplePosterior(
            PosteriorRequest(strategy: .quadrature(group: "herd", points: 15), settings: settings), progress: nil)
        #expect(laplace.strategy == .laplace && laplace.warnings.first?.contains("Laplace approximation") == true)
        #expect(laplace.divergences == 0)
        for (a, b) in zip(laplace.parameters, exact.parameters) {
            #expect(a.name == b.name)
            let error = (a.mcse * a.mcse + b.mcse * b.mcse).squareRoot()
            #expect(abs(a.mean - b.mean) < 0.05 + 4 * error, "\(a.name): Laplace \(a.mean) vs exact \(b.mean)")
        }
        let effects = try #require(laplace.randomEffects.first)
        #expect(effects.means.count == 15 && effects.sds.allSatisfy { $0 > 0.05 && $0 < 1.5 })
        for (a, b) in zip(effects.means, try #require(exact.randomEffects.first).means) {
            #expect(abs(a - b) < 0.1, "recovered effect means \(a) vs \(b)")
        }
    }

    /// compare's `nuts-laplace` row is that posterior, with its warning; it runs only when named.
    @Test func compareRowRunsWhenNamed() throws {
        let model = try GeneralizedReferenceTests.cbppModel()
        let settings = ComparisonSettings(chains: 1, warmup: 150, draws: 150, seed: 2)
        let comparison = model.compare([.nutsLaplace], settings: settings)
        let row = try #require(comparison.results.first)
        #expect(row.method == .nutsLaplace && row.estimates?.varianceComponents.count == 1)
        #expect(row.warnings.contains { $0.contains("Laplace approximation") }, "\(row.warnings)")
        #expect(model.estimationMethods.contains(.nutsLaplace) && !model.estimationMethods.filter(\.runsByDefault).contains(.nutsLaplace))
    }

    /// A linear model, an estimated dispersion and nested blocks are refused in plain words.
    @Test func refusesWhereItDoesNotApply() throws {
        let nested = try Data.model("cbind(k, m - k) ~ x1 + (1 | a/b)", family: BinomialFamily())
        #expect(throws: MixedModelError.self) { try LaplaceMarginalizedDensity(model: nested, priors: GeneralizedPriors(design: nested.design, blocks: nested.blocks)) }
        #expect(throws: BayesianError.self) {
            try NegativeBinomialTests.model().samplePosterior(PosteriorRequest(strategy: .laplace, settings: SamplerSettings(chains: 1, warmup: 5, draws: 5, seed: 1)), progress: nil)
        }
        let linear = BayesianMixedModel(model: try AlternativeDensitySupport.sleepstudy(), strategy: .laplace)
        #expect(throws: BayesianError.self) { try linear.sample(settings: SamplerSettings(chains: 1, warmup: 5, draws: 5, seed: 1)) }
    }
}
