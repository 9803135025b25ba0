import Foundation
import Testing
@testable import Marginal

/// Joint MAP of a generalized model in non-centred coordinates (`map-nc`,
/// ``GeneralizedLinearMixedModel/fitNonCenteredJointMAP(priors:maximumEvaluations:)``).
@Suite struct GeneralizedJointMAPTests {
    /// A binomial model with one scalar term: 10 groups of 6 rows, trials of 5.
    static func scalarModel() throws -> GeneralizedLinearMixedModel {
        try AdaptiveQuadratureTests.model("cbind(k, m - k) ~ x1 + (1 | g)", family: BinomialFamily(), levels: 10, rows: 6, seed: 41)
    }

    /// The objective is the centred joint density of (β, b, τ): differences of F between two
    /// points against the same differences written out by hand from the binomial likelihood,
    /// b = τz, the normal density of b (with its −ℓ log τ), and the priors of β and τ; constants
    /// cancel. Keeping the Jacobian of log τ (or of b ↦ z) would shift the difference by
    /// Δlog τ (or ℓ Δlog τ).
    @Test func objectiveIsTheCentredJointDensity() throws {
        let model = try Self.scalarModel()
        let priors = GeneralizedPriors(design: model.design, blocks: model.blocks)
        var objective = try GeneralizedJointMAPObjective(model: model, priors: priors)
        let x = model.design.fixedEffects.matrix
        let (y, w) = (model.design.response, model.priorWeights)
        let codes = model.blocks[0].codes
        func byHand(_ point: [Double]) -> Double {
            let beta = Array(priors.layoutCoordinates(point).prefix(2))
            let tau = exp(point[2])
            let b = point[3...].map { tau * $0 }
            var total = 0.0
            for i in 0..<model.design.nobs {
                let eta = beta[0] * x[i, 0] + beta[1] * x[i, 1] + b[Int(codes[i])]
                let mu = 1 / (1 + exp(-eta))
                total += w[i] * (y[i] * log(mu) + (1 - y[i]) * log(1 - mu))
            }
            for effect in b { total += -effect * effect / (2 * tau * tau) - log(tau) }
            for c in 0..<2 { total += priors.fixedEffects[c].logDensityAndDerivative(beta[c]).value }
            return total + priors.standardDeviation.logDensityAndDerivative(tau).value
        }
        var random = RandomSource(seed: 3)
        let points = (0..<3).map { _ in (0..<13).map { _ in 0.6 * random.normal() } }
        for (a, b) in zip(points, points.dropFirst()) {
            let difference = objective.value(at: b) - objective.value(at: a)
            #expect(abs(difference - (byHand(b) - byHand(a))) < 1e-9 * max(1, abs(difference)), "\(difference) vs \(byHand(b) - byHand(a))")
        }
    }

    /// ∇F against central differences of F, on a correlated two-column term (the correlation
    /// coordinate and the pull-back through T included), and the gradient-flow split: the
    /// likelihood and prior parts add up to ∇F, and the prior part of z is −z.
    @Test func gradientMatchesFiniteDifferences() throws {
        let model = try AdaptiveQuadratureTests.model("y ~ x1 + (1 + x1 | g)", family: BinomialFamily(), levels: 8, rows: 6, seed: 12)
        var objective = try GeneralizedJointMAPObjective(model: model, priors: GeneralizedPriors(design: model.design, blocks: model.blocks))
        var random = RandomSource(seed: 9)
        let point = (0..<objective.dimension).map { _ in 0.5 * random.normal() }
        var gradient = [Double](repeating: 0, count: objective.dimension)
        _ = objective.value(at: point, gradient: &gradient)
        for i in 0..<objective.dimension {
            let h = 1e-5
            var up = point, down = point
            up[i] += h
            down[i] -= h
            let numeric = (objective.value(at: up) - objective.value(at: down)) / (2 * h)
            #expect(abs(numeric - gradient[i]) < 1e-5 * max(1, abs(numeric)), "coordinate \(i): \(gradient[i]) vs \(numeric)")
        }
        let split = objective.pieces(at: point)
        let pieces = try #require(split)
        for i in 0..<objective.dimension {
            #expect(abs(pieces.likelihoodGradient[i] + pieces.priorGradient[i] - gradient[i]) < 1e-9 * max(1, abs(gradient[i])))
        }
        for i in objective.globalCount..<objective.dimension { #expect(pieces.priorGradient[i] == -point[i]) }
    }

    /// Strong groups: 8 levels whose effects −1.75 … 1.75 each rest on 3 rows of 200 trials, so
    /// the conditional modes are barely shrunk and F has an interior local maximum in τ (with
    /// b at its conditional modes, F is stationary in τ where τ² = Σ b̂(τ)²/ℓ, which has a
    /// solution when the effects are large against their sampling variance 1/(n_l μ(1 − μ))).
    static func strongGroupsModel() throws -> GeneralizedLinearMixedModel {
        var random = AdaptiveQuadratureTests.Generator(state: 17)
        var lines = ["k,m,x1,g"]
        for j in 0..<8 {
            for _ in 0..<3 {
                let x1 = 2 * random.uniform() - 1
                let p = 1 / (1 + exp(-(-0.2 + 0.5 * x1 - 1.75 + 0.5 * Double(j))))
                let k = (0..<200).reduce(0) { sum, _ in sum + (random.uniform() < p ? 1 : 0) }
                lines.append("\(k),200,\(x1),g\(j)")
            }
        }
        let data = try CSVReader.read(bytes: Array((lines.joined(separator: "\n") + "\n").utf8))
        return try GeneralizedLinearMixedModel(design: ModelDesign(formula: "cbind(k, m - k) ~ x1 + (1 | g)", data: data), family: BinomialFamily())
    }

    /// Where the data pin the effects down the search ends at an interior stationary point:
    /// ∇F ≈ 0 there, F is lower one step of 10⁻³ away along every coordinate, the gradient
    /// flow's two parts cancel in each block, and nothing collapsed (SD near the Laplace fit's).
    @Test func endsAtALocalMaximumWhenTheDataPinTheEffects() throws {
        let model = try Self.strongGroupsModel()
        let fit = try model.fitNonCenteredJointMAP()
        #expect(fit.collapses.isEmpty && fit.converged)
        let laplace = try model.fit().varianceComponents[0].standardDeviations[0]
        let sd = fit.estimates.varianceComponents[0].standardDeviations[0]
        #expect(sd > 0.8 * laplace && sd < 1.2 * laplace, "joint MAP SD \(sd) vs Laplace \(laplace)")
        var objective = try GeneralizedJointMAPObjective(model: model, priors: GeneralizedPriors(design: model.design, blocks: model.blocks))
        var gradient = [Double](repeating: 0, count: objective.dimension)
        let top = objective.value(at: fit.coordinates, gradient: &gradient)
        #expect(abs(top - fit.objective) <= 1e-12 * abs(top))
        #expect(gradient.allSatisfy { abs($0) < 1e-3 }, "∇F at the end: \(gradient)")
        for i in fit.coordinates.indices {
            for step in [-1e-3, 1e-3] {
                var nearby = fit.coordinates
                nearby[i] += step
                #expect(objective.value(at: nearby) < top, "coordinate \(i) moved by \(step)")
            }
        }
        for block in fit.gradientFlow.blocks {
            #expect(abs(block.end.likelihood - block.end.prior) < 1e-3 * max(1, block.end.likelihood), "\(block.name)")
        }
    }

    /// cbpp (15 herds, lme4's model): non-centred joint MAP collapses as the centred one does.
    /// Already at the Laplace start, with z held, ∂F/∂log τ = Σ_l b̂_l ∂ℓ/∂b_l − ℓ
    /// (+ the prior's) = Σ b̂²/τ̂² − ℓ < 0, since the conditional modes are shrunk; the search
    /// follows that way to the bound log τ = −30, where each further halving of τ still adds
    /// about ℓ log 2 = 15 log 2 (the likelihood no longer moves): F has no maximum.
    @Test func cbppCollapses() throws {
        let model = try GeneralizedReferenceTests.cbppModel()
        let laplace = try model.fit()
        let tau = laplace.varianceComponents[0].standardDeviations[0]
        let modes = (0..<15).map { laplace.randomEffects[0].modes[$0, 0] }
        #expect(modes.reduce(0) { $0 + $1 * $1 } / (tau * tau) < 15)
        let fit = try model.fitNonCenteredJointMAP()
        #expect(fit.collapses.map(\.parameter) == ["sd[herd][(Intercept)]"])
        #expect(fit.estimates.varianceComponents[0].standardDeviations[0] < 1e-12)
        var objective = try GeneralizedJointMAPObjective(model: model, priors: GeneralizedPriors(design: model.design, blocks: model.blocks))
        let logTau = objective.position(ofLayoutCoordinate: objective.layout.blocks[0].parts[0].sdCoordinate)
        var point = fit.coordinates
        for _ in 0..<5 {
            let before = objective.value(at: point)
            point[logTau] -= log(2)
            #expect(abs(objective.value(at: point) - before - 15 * log(2)) < 0.05, "F rises by 15 log 2 per halving")
        }
        // The report: the effects' block is where F's growth comes from, and the warning names it.
        #expect(fit.warnings.first?.contains("joint MAP has no maximum here: sd[herd][(Intercept)]") == true)
        #expect(fit.gradientFlow.blocks.map(\.name) == ["fixed effects", "covariance[herd]", "z[herd]"])
    }
}
