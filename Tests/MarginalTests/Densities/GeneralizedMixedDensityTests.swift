import Foundation
import Testing
@testable import Marginal

/// The GLMM density with one scalar term integrated out by quadrature and the other terms
/// sampled non-centred: its value at held sampled effects against the per-level marginal
/// likelihood by a 2,001-point trapezoid rule (offsets, effects and Jacobians computed here
/// independently), its gradient against central differences, and the automatic strategy.
@Suite struct GeneralizedMixedDensityTests {
    typealias Data = AdaptiveQuadratureTests

    /// (1 | g) integrated out; c (two levels, crossed with g) sampled as a scalar or a
    /// correlated vector term.
    static let cases: [(formula: String, family: any ResponseFamily)] = [
        ("cbind(k, m - k) ~ x1 + (1 | g) + (1 | c)", BinomialFamily()),
        ("y ~ x1 + (1 | g) + (1 + x1 | c)", BinomialFamily()),
        ("count ~ x1 + (1 | g) + (1 + x1 | c)", PoissonFamily()),
    ]

    static func model(_ index: Int) throws -> GeneralizedLinearMixedModel {
        try Data.model(cases[index].formula, family: cases[index].family, levels: 6, rows: 4, seed: 31)
    }

    /// Flat priors on β and the SDs, lkj(1) on a correlation: the log density is then the
    /// integrated likelihood, −‖z‖²/2 and the Jacobians alone.
    static func density(_ model: GeneralizedLinearMixedModel, flat: Bool) throws -> GeneralizedMixedDensity {
        var priors = try GeneralizedPriors.uniform(
            model, fixed: flat ? .flat : .normal(mean: 0, sd: 2.5), sd: flat ? .flat : .halfStudentT(df: 3, scale: 2.5))
        if model.blocks[1].dimension == 2 { try priors.setPrior(.lkj(eta: flat ? 1 : 2), for: "cor[c]") }
        return try GeneralizedMixedDensity(model: model, integrating: "g", points: 25, priors: priors)
    }

    @Test(arguments: 0..<3)
    func valueMatchesBruteForce(_ index: Int) throws {
        let model = try Self.model(index)
        var density = try Self.density(model, flat: true)
        let s = model.blocks[1].dimension
        #expect(model.blocks.map(\.group) == ["g", "c"])
        // x = [β₀, β₁, log τ_g, log sd_c…, (y of the correlation), z of c's 2 levels].
        #expect(density.dimension == 2 + 1 + (s == 1 ? 1 : 3) + 2 * s)
        for (tau, scale) in [(0.8, 1.0), (2.5, 0.4), (0.05, 1.7)] {
            let beta = [0.2, -0.4]
            let sds = s == 1 ? [0.7 * scale] : [0.7 * scale, 0.3 * scale]
            let correlation = 0.45
            let z = s == 1 ? [0.9, -1.3] : [0.9, -0.2, -1.3, 0.6]
            let x = density.priors.fixedCoordinates(beta) + [log(tau)] + sds.map { log($0) } + (s == 1 ? [] : [atanh(correlation)]) + z
            var gradient = [Double](repeating: 0, count: density.dimension)
            let value = density.logDensity(at: x, gradient: &gradient)
            // b_l = diag(sd) L z_l, L = [[1, 0], [ρ, √(1 − ρ²)]].
            func effect(_ level: Int) -> [Double] {
                if s == 1 { return [sds[0] * z[level]] }
                let (z0, z1) = (z[2 * level], z[2 * level + 1])
                return [sds[0] * z0, sds[1] * (correlation * z0 + (1 - correlation * correlation).squareRoot() * z1)]
            }
            let design = model.design, frame = design.fixedEffects.matrix
            let c = model.blocks[1], g = model.blocks[0]
            let offsets = (0..<design.nobs).map { i in
                let b = effect(Int(c.codes[i]))
                return beta[0] * frame[i, 0] + beta[1] * frame[i, 1] + (0..<s).reduce(0) { $0 + c.z[$1, i] * b[$1] }
            }
            var reference = 0.0
            let (points, width) = (2001, 12.0)
            let h = 2 * width / Double(points - 1)
            for level in 0..<g.levelCount {
                let rows = (0..<design.nobs).filter { Int(g.codes[$0]) == level }
                var terms: [Double] = []
                for q in 0..<points {
                    let u = -width + h * Double(q)
                    var f = -u * u / 2 - 0.5 * log(2 * Double.pi) + log(h) + (q == 0 || q == points - 1 ? log(0.5) : 0)
                    for i in rows {
                        f += model.family.logLikelihood(design.response[i], model.link.mean(offsets[i] + tau * u), weight: model.priorWeights[i])
                    }
                    terms.append(f)
                }
                let top = terms.max() ?? 0
                reference += top + log(terms.reduce(0) { $0 + exp($1 - top) })
            }
            reference -= z.reduce(0) { $0 + $1 * $1 } / 2
            // Jacobians: log τ, log sd, and the correlation's log(1 − tanh²y).
            reference += log(tau) + sds.reduce(0) { $0 + log($1) } + (s == 1 ? 0 : log(1 - correlation * correlation))
            #expect(abs(value - reference) < 1e-8 * max(1, abs(reference)), "\(Self.cases[index].formula) at τ = \(tau): \(value) vs \(reference)")
        }
    }

    @Test(arguments: 0..<3)
    func gradientMatchesDifferences(_ index: Int) throws {
        var density = try Self.density(Self.model(index), flat: false)
        let x = (0..<density.dimension).map { 0.45 * sin(1.7 * Double($0) + 0.3) }
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

    /// With nothing integrated out the same model's joint density: its gradient, vector term included.
    @Test func jointGradientMatchesDifferences() throws {
        let model = try Self.model(1)
        var density = try GeneralizedMixedDensity(model: model, integrating: nil, points: 1, priors: GeneralizedPriors(design: model.design, blocks: model.blocks))
        #expect(density.dimension == 2 + 1 + 3 + 6 + 4)
        let x = (0..<density.dimension).map { 0.5 * cos(0.9 * Double($0) + 0.2) }
        var gradient = [Double](repeating: 0, count: density.dimension), scratch = gradient
        _ = density.logDensity(at: x, gradient: &gradient)
        for j in x.indices {
            var plus = x, minus = x
            plus[j] += 1e-6
            minus[j] -= 1e-6
            let difference = (density.logDensity(at: plus, gradient: &scratch) - density.logDensity(at: minus, gradient: &scratch)) / 2e-6
            #expect(abs(gradient[j] - difference) < 1e-5 * max(1, abs(difference)), "coordinate \(j): \(gradient[j]) vs \(difference)")
        }
    }

    /// At the fit's β̂ and SDs with ε = 0 the partially centred effects are the fit's
    /// conditional modes (m_l = b̂_l at the pilot), for every scalar term; at β̂ + δ (δ = 10⁻³ on
    /// the intercept) they follow the joint conditional modes PIRLS finds at that held β to first
    /// order, crossed terms together (taken term by term, each would move by most of δ), where
    /// the blocks are not nested.
    /// (lme4's cbpp, grouseticks with three scalar terms, and a crossed binary design.)
    @Test(arguments: [0, 3, 4])
    func partialFormIsCentredAtTheModes(_ index: Int) throws {
        let model = try GeneralizedReferenceTests.model(GeneralizedReferenceTests.references[index])
        let fit = try model.fit()
        let sds = fit.varianceComponents.map { $0.standardDeviations[0] }
        try #require(sds.allSatisfy { $0 > 1e-2 }, "a singular fit: \(sds)")
        var density = try GeneralizedMixedDensity(
            model: model, integrating: nil, points: 1, priors: GeneralizedPriors(design: model.design, blocks: model.blocks), pilot: fit)
        let x = density.priors.fixedCoordinates(fit.fixedEffects.map(\.estimate)) + sds.map { log($0) }
            + [Double](repeating: 0, count: density.dimension - density.globalCount)
        var gradient = [Double](repeating: 0, count: density.dimension)
        #expect(density.logDensity(at: x, gradient: &gradient).isFinite)
        for (k, modes) in fit.randomEffects.enumerated() {
            for level in 0..<model.blocks[k].levelCount {
                let mode = modes.modes[level, 0]
                #expect(abs(density.sampled.effects[k][level] - mode) < 1e-5 * max(1, abs(mode)), "\(modes.group) level \(level): \(density.sampled.effects[k][level]) vs \(mode)")
            }
        }
        // Grouseticks' blocks are nested (INDEX in BROOD in LOCATION): term by term there.
        guard model.effectsOnly.products.nested.isEmpty else { return }
        let delta = 1e-3
        var shifted = fit.fixedEffects.map(\.estimate)
        shifted[0] += delta
        var core = model.effectsOnly
        var state = model.startingState
        state.beta = shifted
        try model.pirls(&core, theta: fit.theta, state: &state, holdingBeta: true)
        let x2 = density.priors.fixedCoordinates(shifted) + Array(x[(density.globalCount - sds.count)...])
        _ = density.logDensity(at: x2, gradient: &gradient)
        for k in model.blocks.indices {
            for level in 0..<model.blocks[k].levelCount {
                let mode = sds[k] * state.u[k][level]
                #expect(abs(density.sampled.effects[k][level] - mode) < 0.02 * delta, "β₀ + δ, \(model.blocks[k].group) level \(level): \(density.sampled.effects[k][level]) vs \(mode)")
            }
        }
    }

    /// Nothing integrated out, the scalar terms partially centred at the model's Laplace fit:
    /// (1) against the non-centred density at z = b/τ the log density differs by the Jacobian
    /// Σ_l log(s_l/τ) = −½ Σ_l log(1 + I_l τ²), with I_l = Σ_{i∈l} Wᵢzᵢ² from the fit's linear
    /// predictor computed here; (2) its gradient matches central differences, a vector term
    /// (non-centred) beside it included.
    @Test(arguments: 0..<3)
    func partialFormAtTheLaplaceFit(_ index: Int) throws {
        let model = try Self.model(index)
        let fit = try model.fit()
        let priors = try GeneralizedPriors.uniform(model, fixed: .normal(mean: 0, sd: 2.5), sd: .halfStudentT(df: 3, scale: 2.5))
        var partial = try GeneralizedMixedDensity(model: model, integrating: nil, points: 1, priors: priors, pilot: fit)
        var nonCentred = try GeneralizedMixedDensity(model: model, integrating: nil, points: 1, priors: priors)
        #expect(partial.sampled.terms.map { $0.centering != nil } == model.blocks.map { $0.dimension == 1 })
        let s = model.blocks[1].dimension
        let globalCount = partial.globalCount
        #expect(globalCount == 2 + 1 + (s == 1 ? 1 : 3))
        var gradient = [Double](repeating: 0, count: partial.dimension), scratch = gradient

        // (1) the Jacobian against the non-centred density.
        let x = (0..<partial.dimension).map { 0.45 * sin(1.7 * Double($0) + 0.3) }
        let value = partial.logDensity(at: x, gradient: &gradient)
        var z = x
        var jacobian = 0.0
        for (m, term) in partial.sampled.terms.enumerated() {
            let sd = exp(x[globalCount - (s == 1 ? 2 : 4) + m])
            guard term.centering != nil else { continue }
            var information = [Double](repeating: 0, count: term.levelCount)
            let block = model.blocks[term.block]
            for i in 0..<model.design.nobs {
                let mu = model.link.mean(fit.linearPredictor[i])
                let weight = model.priorWeights[i] * (model.family.name == PoissonFamily().name ? mu : mu * (1 - mu))
                information[Int(block.codes[i])] += weight * block.z[0, i] * block.z[0, i]
            }
            for level in 0..<term.levelCount {
                z[term.offset + level] = partial.sampled.effects[m][level] / sd
                jacobian -= 0.5 * log(1 + information[level] * sd * sd)
            }
        }
        let reference = nonCentred.logDensity(at: z, gradient: &scratch) + jacobian
        #expect(abs(value - reference) < 1e-9 * max(1, abs(reference)), "\(value) vs \(reference)")

        // (2) the gradient.
        let differences = DensityTestModels.finiteDifferenceGradient(x) { partial.logDensity(at: $0, gradient: &scratch) }
        for (j, difference) in differences.enumerated() {
            #expect(abs(gradient[j] - difference) < 1e-6 * max(1, abs(difference)), "\(Self.cases[index].formula), coordinate \(j): \(gradient[j]) vs \(difference)")
        }
    }

    /// auto samples every effect, scalar terms partially centred; `all` is refused for several
    /// terms, centred effects are refused, a vector term integrated out is refused.
    @Test func strategies() throws {
        let crossed = try Self.model(0)
        let single = try Data.model("y ~ x1 + (1 | g)", family: BinomialFamily(), levels: 6, rows: 4, seed: 31)
        let slopes = try Data.model("y ~ x1 + (1 + x1 | g)", family: BinomialFamily(), levels: 6, rows: 4, seed: 31)
        let mixed = try Self.model(1)
        for model in [crossed, single, slopes, mixed] {
            #expect(try model.resolvedStrategy(nil, points: 15) == .marginalizeNone(.partial))
        }
        #expect(try single.resolvedStrategy(.marginalizeAll, points: 15) == .quadrature(group: "g", points: 15))
        #expect(throws: BayesianError.self) { try crossed.resolvedStrategy(.marginalizeAll, points: 15) }
        #expect(throws: BayesianError.self) { try crossed.resolvedStrategy(.marginalizeNone(.centered), points: 15) }
        #expect(try crossed.resolvedStrategy(.marginalizeOne(group: "c", effects: .nonCentered), points: 15) == .quadrature(group: "c", points: 15))
        #expect(throws: BayesianError.self) {
            try mixed.samplePosterior(PosteriorRequest(strategy: .marginalizeOne(group: "c", effects: .nonCentered)), progress: nil)
        }
    }
}
