import Foundation
import Testing
@testable import Marginal

/// NUTS on a binomial GLMM with its random intercepts integrated out by quadrature: the posterior
/// means of the intercept and the SD against the same posterior integrated on a fine grid over
/// (β₀, log τ) (whose density is checked against brute-force quadrature in
/// ``QuadratureMarginalizedDensityTests``), and the recovered effects against the grid's posterior
/// mean of one level's effect.
@Suite struct GeneralizedPosteriorTests {
    static func model() throws -> GeneralizedLinearMixedModel {
        try AdaptiveQuadratureTests.model("cbind(k, m - k) ~ 1 + (1 | g)", family: BinomialFamily(), levels: 12, rows: 5, seed: 31)
    }

    @Test func posteriorMeansMatchAGrid() throws {
        let model = try Self.model()
        var density = try GeneralizedMixedDensity(model: model, integrating: "g", points: 25, priors: GeneralizedPriors(design: model.design, blocks: model.blocks))
        // The grid: β₀ on [−4, 3], log τ on [−6, 2.5], midpoints; weights ∝ the density.
        var gradient = [0.0, 0.0]
        var logValues: [(beta: Double, tau: Double, log: Double)] = []
        let (nb, nt) = (281, 341)
        for a in 0..<nb {
            for b in 0..<nt {
                let beta = -4 + 7 * (Double(a) + 0.5) / Double(nb)
                let logTau = -6 + 8.5 * (Double(b) + 0.5) / Double(nt)
                logValues.append((beta, exp(logTau), density.logDensity(at: [beta, logTau], gradient: &gradient)))
            }
        }
        let top = logValues.map(\.log).max() ?? 0
        var (total, betaMean, tauMean) = (0.0, 0.0, 0.0)
        for point in logValues {
            let w = exp(point.log - top)
            total += w
            betaMean += w * point.beta
            tauMean += w * point.tau
        }
        betaMean /= total
        tauMean /= total

        let quadrature = SamplingStrategy.quadrature(group: "g", points: PosteriorRequest.defaultQuadraturePoints)
        let posterior = try model.samplePosterior(
            PosteriorRequest(strategy: quadrature, settings: SamplerSettings(chains: 4, warmup: 1000, draws: 2000, seed: 11)), progress: nil)
        #expect(posterior.strategy == quadrature)
        #expect(posterior.divergences == 0)
        let beta = try #require(posterior.parameters.first { $0.name == "b[(Intercept)]" })
        let tau = try #require(posterior.parameters.first { $0.name == "sd[g][(Intercept)]" })
        // Five Monte Carlo standard errors: a failure by chance has probability below 1e-6.
        #expect(abs(beta.mean - betaMean) < 5 * beta.mcse, "b: \(beta.mean) ± \(beta.mcse) vs the grid's \(betaMean)")
        #expect(abs(tau.mean - tauMean) < 5 * tau.mcse, "sd: \(tau.mean) ± \(tau.mcse) vs the grid's \(tauMean)")
        // The recovered effects: one per level, with posterior SDs below the prior's.
        let effects = try #require(posterior.randomEffects.first)
        #expect(effects.means.count == 12 && effects.sds.allSatisfy { $0 > 0 && $0 < 2 * tauMean })
    }

    @Test func recoveredEffectMatchesTheGrid() throws {
        // p(b₁ | y) at fixed (β₀, τ): the rejection draws' mean against the integral on a grid.
        let model = try Self.model()
        var density = try GeneralizedMixedDensity(model: model, integrating: "g", points: 25, priors: .uniform(model, fixed: .flat, sd: .flat))
        let x = [-0.4, log(0.9)]
        var random = RandomSource(seed: 5)
        var effects = [Double](repeating: 0, count: 12)
        var sum = 0.0, squares = 0.0
        let draws = 20_000
        for _ in 0..<draws {
            #expect(density.drawEffects(at: x, using: &random, into: &effects))
            sum += effects[0]
            squares += effects[0] * effects[0]
        }
        let mean = sum / Double(draws)
        let sd = (squares / Double(draws) - mean * mean).squareRoot()
        // The grid over u for level 1: e^{f(u)}.
        let set = density.setOffsets(x)
        #expect(set)
        let range = density.levels.rows.start[0]..<density.levels.rows.start[1]
        var (total, first, second) = (0.0, 0.0, 0.0)
        for i in 0..<4001 {
            let u = -10 + 20 * Double(i) / 4000
            let w = exp(density.levels.value(range, offsets: density.offsets, tau: 0.9, u))
            total += w
            first += w * 0.9 * u
            second += w * 0.81 * u * u
        }
        let gridMean = first / total
        let gridSD = (second / total - gridMean * gridMean).squareRoot()
        #expect(abs(mean - gridMean) < 5 * sd / Double(draws).squareRoot())
        // The SD of n normal-ish draws has a standard error of about sd/√(2n).
        #expect(abs(sd - gridSD) < 5 * sd / Double(2 * draws).squareRoot(), "draws' SD \(sd) vs the grid's \(gridSD)")
    }

    /// `compare`'s nuts row for a generalized model is the posterior of `samplePosterior` at the
    /// same settings, summarized: the same means.
    @Test func compareRowIsThePosteriorMean() throws {
        let model = try Self.model()
        let settings = ComparisonSettings(chains: 2, warmup: 200, draws: 200, seed: 3)
        #expect(model.estimationMethods == [.ml, .pql, .map, .mapNonCentered, .vi, .nuts, .nutsLaplace])
        let row = try model.estimate(.nuts, settings: settings)
        let posterior = try model.samplePosterior(PosteriorRequest(
            settings: SamplerSettings(chains: 2, warmup: 200, draws: 200, seed: 3), recover: false), progress: nil)
        let estimates = try #require(row.estimates)
        #expect(estimates.beta == [posterior.parameters[0].mean])
        #expect(estimates.varianceComponents.first?.standardDeviations == [posterior.parameters[1].mean])
        #expect(estimates.sigma == nil && row.intervals.count == 2)
    }

    /// Every effect sampled (non-centred, or partially centred as auto does) and every effect
    /// integrated out by quadrature target the same posterior: the means agree within their
    /// Monte Carlo errors.
    @Test(arguments: [SamplingStrategy.marginalizeNone(.nonCentered), nil])
    func jointAndQuadratureRoutesAgree(_ joint: SamplingStrategy?) throws {
        let model = try Self.model()
        let settings = SamplerSettings(chains: 4, warmup: 1000, draws: 2000, seed: 21)
        let integrated = try model.samplePosterior(
            PosteriorRequest(strategy: .quadrature(group: "g", points: PosteriorRequest.defaultQuadraturePoints), settings: settings), progress: nil)
        let sampled = try model.samplePosterior(PosteriorRequest(strategy: joint, settings: settings), progress: nil)
        #expect(sampled.strategy == joint ?? .marginalizeNone(.partial))
        for (a, b) in zip(integrated.parameters, sampled.parameters) {
            #expect(a.name == b.name)
            let error = (a.mcse * a.mcse + b.mcse * b.mcse).squareRoot()
            #expect(abs(a.mean - b.mean) < 5 * error, "\(a.name): \(a.mean) ± \(a.mcse) vs \(b.mean) ± \(b.mcse)")
        }
        for (a, b) in zip(integrated.randomEffects[0].means, sampled.randomEffects[0].means) {
            #expect(abs(a - b) < 0.1, "recovered effect means \(a) vs \(b)")
        }
    }

    /// A family with a dispersion parameter is refused in plain words whatever the strategy,
    /// without naming quadrature when nothing is integrated out.
    @Test func familiesWithADispersionAreRefused() throws {
        let model = try NegativeBinomialTests.model()
        for strategy in [nil, SamplingStrategy.marginalizeNone(.nonCentered)] {
            do {
                _ = try model.samplePosterior(PosteriorRequest(strategy: strategy, settings: SamplerSettings(chains: 1, warmup: 5, draws: 5, seed: 1)), progress: nil)
                Issue.record("a negative binomial model was sampled")
            } catch {
                #expect(error.description.contains("without a dispersion parameter") && error.description.contains("negative-binomial"))
                #expect(!error.description.lowercased().contains("quadrature:"))
            }
        }
    }

    @Test func jointGradientMatchesDifferences() throws {
        let model = try Self.model()
        var density = try GeneralizedMixedDensity(
            model: model, integrating: nil, points: 1, priors: .uniform(model, fixed: .normal(mean: 0, sd: 2), sd: .halfStudentT(df: 3, scale: 2.5)))
        let x = [-0.3, log(0.8)] + (0..<12).map { 0.3 * Double($0 % 5) - 0.6 }
        var gradient = [Double](repeating: 0, count: density.dimension), scratch = gradient
        _ = density.logDensity(at: x, gradient: &gradient)
        for j in x.indices {
            var plus = x, minus = x
            plus[j] += 1e-6
            minus[j] -= 1e-6
            let difference = (density.logDensity(at: plus, gradient: &scratch) - density.logDensity(at: minus, gradient: &scratch)) / 2e-6
            #expect(abs(gradient[j] - difference) < 1e-5 * max(1, abs(difference)), "coordinate \(j)")
        }
    }
}
