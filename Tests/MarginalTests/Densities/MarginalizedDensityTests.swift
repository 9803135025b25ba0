import Foundation
import Testing
@testable import Marginal

/// The all-marginalized LMM density against the dense O(n³) formula, its gradient against finite
/// differences, and the recovery of the random effects against the exact conditional
/// distribution, on crossed, nested and correlated-slope designs from the bundled examples.
@Suite struct MarginalizedDensityTests {
    static let names = DensityTestModels.cases.map(\.name)

    /// Points around the ML estimate, moved by up to ±0.7 in every coordinate. The centre's
    /// correlation coordinates are kept within ±1 (|ρ| ≲ 0.76): a singular fit puts them near
    /// ±atanh(1), where tanh saturates and finite differences lose all accuracy.
    static func testPoints(_ model: LinearMixedModel, _ layout: MixedModelParameterization, count: Int = 3) throws -> [[Double]] {
        var center = try #require(DensityTestModels.maximumLikelihoodPoints[layout.fixedNames.joined() + layout.parameterNames.joined()])
        for (i, name) in layout.parameterNames.enumerated() where name.hasPrefix("cor[") {
            center[i] = min(max(center[i], -1), 1)
        }
        return DensityTestModels.points(around: center, count: count, spread: 0.7, seed: 11)
    }

    @Test(arguments: names)
    func logLikelihoodEqualsDenseFormula(_ name: String) throws {
        let model = try DensityTestModels.model(named: name)
        let layout = MixedModelParameterization(model: model)
        var density = MarginalizedMixedModelDensity(model: model)
        let dense = DenseMarginalModel(model)
        var globals = layout.makeGlobals()
        for x in try Self.testPoints(model, layout) {
            layout.decode(x, into: &globals)
            let expected = dense.logLikelihood(beta: globals.beta, sigma: globals.sigma, factors: globals.factors)
            let likelihood = density.logLikelihood(at: x)
            let actual = try #require(likelihood)
            #expect(relativeError(actual, expected) < 1e-9, "\(name) at \(x): \(actual) vs \(expected)")
        }
    }

    /// The density is ℓ + log prior + log |J|: the dense ℓ plus the layout's own prior terms.
    @Test(arguments: names)
    func logDensityIsLikelihoodPlusPriorAndJacobian(_ name: String) throws {
        let model = try DensityTestModels.model(named: name)
        let layout = MixedModelParameterization(model: model)
        var density = MarginalizedMixedModelDensity(model: model)
        let dense = DenseMarginalModel(model)
        var globals = layout.makeGlobals()
        let x = try #require(try Self.testPoints(model, layout, count: 1).first)
        layout.decode(x, into: &globals)
        var unused = [Double](repeating: 0, count: layout.dimension)
        let priorAndJacobian = layout.completeGradient(x, globals: &globals, sigmaAdjoint: 0, gradient: &unused)
        let expected = dense.logLikelihood(beta: globals.beta, sigma: globals.sigma, factors: globals.factors) + priorAndJacobian
        var gradient = [Double](repeating: 0, count: layout.dimension)
        let value = density.logDensity(at: x, gradient: &gradient)
        #expect(relativeError(value, expected) < 1e-9)
    }

    /// Priors of every kind, so that each prior's derivative and the LKJ term are exercised.
    static func otherPriors(_ model: LinearMixedModel) throws -> MixedModelParameterization {
        var layout = MixedModelParameterization(model: model)
        for (index, entry) in layout.namedPriors.enumerated() {
            let prior: Prior
            if entry.name.hasPrefix("b[") {
                prior = index % 2 == 0 ? .normal(mean: 1, sd: 30) : .studentT(df: 4, mean: -2, scale: 10)
            } else if entry.name.hasPrefix("cor[") {
                prior = .lkj(eta: 3.5)
            } else {
                prior = [Prior.halfNormal(sd: 20), .exponential(rate: 0.2), .halfStudentT(df: 5, scale: 4)][index % 3]
            }
            try layout.setPrior(prior, for: entry.name)
        }
        return layout
    }

    @Test(arguments: names, [false, true])
    func gradientMatchesFiniteDifferences(_ name: String, otherPriors: Bool) throws {
        let model = try DensityTestModels.model(named: name)
        let layout = otherPriors ? try Self.otherPriors(model) : MixedModelParameterization(model: model)
        var density = try MarginalizedMixedModelDensity(model: model, parameterization: layout)
        var scratch = [Double](repeating: 0, count: layout.dimension)
        for x in try Self.testPoints(model, layout) {
            var gradient = [Double](repeating: .nan, count: layout.dimension)
            _ = density.logDensity(at: x, gradient: &gradient)
            let numeric = DensityTestModels.finiteDifferenceGradient(x) { density.logDensity(at: $0, gradient: &scratch) }
            for i in x.indices {
                #expect(abs(gradient[i] - numeric[i]) <= 1e-6 * max(1, abs(numeric[i])),
                        "\(name) \(layout.parameterNames[i]): \(gradient[i]) vs \(numeric[i])")
            }
        }
    }

    /// With flat priors (LKJ(1) for correlations) the likelihood part of the gradient vanishes
    /// at the ML estimate; the Jacobian part is the layout's gradient with zero adjoints.
    @Test(arguments: ["sleepstudy", "penicillin", "pastes", "crossed slopes"])
    func likelihoodGradientVanishesAtMaximumLikelihood(_ name: String) throws {
        let model = try DensityTestModels.model(named: name)
        var layout = MixedModelParameterization(model: model)
        for entry in layout.namedPriors {
            try layout.setPrior(entry.name.hasPrefix("cor[") ? .lkj(eta: 1) : .flat, for: entry.name)
        }
        var density = try MarginalizedMixedModelDensity(model: model, parameterization: layout)
        let fit = try model.fit(criterion: .ml)
        let singular = fit.isSingular
        try #require(!singular)
        let optimum = try #require(DensityTestModels.maximumLikelihoodPoints[layout.fixedNames.joined() + layout.parameterNames.joined()])
        func likelihoodGradient(_ x: [Double]) -> [Double] {
            var full = [Double](repeating: 0, count: layout.dimension)
            _ = density.logDensity(at: x, gradient: &full)
            var globals = layout.makeGlobals()
            layout.decode(x, into: &globals)
            var jacobian = [Double](repeating: 0, count: layout.dimension)
            _ = layout.completeGradient(x, globals: &globals, sigmaAdjoint: 0, gradient: &jacobian)
            return zip(full, jacobian).map { $0 - $1 }
        }
        let atOptimum = likelihoodGradient(optimum)
        // The gradient's scale: its size a small step (0.05 in every coordinate) away.
        let scale = likelihoodGradient(optimum.map { $0 + 0.05 }).map(abs).max() ?? 1
        #expect(scale > 1)
        for i in atOptimum.indices {
            #expect(abs(atOptimum[i]) <= 1e-4 * scale, "\(name) \(layout.parameterNames[i]): \(atOptimum[i]) (scale \(scale))")
        }
    }

    /// The recovery map z ↦ b is affine: b(0) must be the exact conditional mean and its
    /// columns b(eᵢ) − b(0) a square root of the exact conditional covariance.
    @Test(arguments: names)
    func recoveryHasExactConditionalMeanAndCovariance(_ name: String) throws {
        let model = try DensityTestModels.model(named: name)
        let layout = MixedModelParameterization(model: model)
        var density = MarginalizedMixedModelDensity(model: model)
        let dense = DenseMarginalModel(model)
        let q = density.randomEffectsLayout.count
        #expect(q == dense.q)
        var globals = layout.makeGlobals()
        for x in try Self.testPoints(model, layout, count: 2) {
            layout.decode(x, into: &globals)
            let exact = dense.conditional(beta: globals.beta, sigma: globals.sigma, factors: globals.factors)
            var z = [Double](repeating: 0, count: q)
            var mean = [Double](repeating: 0, count: q)
            let meanOK = density.randomEffects(at: x, standardNormal: z, into: &mean)
            var conditionalMean = [Double](repeating: 0, count: q)
            let conditionalOK = density.conditionalMeanRandomEffects(at: x, into: &conditionalMean)
            #expect(meanOK && conditionalOK)
            let meanScale = exact.mean.map(abs).max() ?? 1
            for k in 0..<q {
                #expect(abs(mean[k] - exact.mean[k]) <= 1e-8 * meanScale, "\(name) mean \(k): \(mean[k]) vs \(exact.mean[k])")
                #expect(abs(conditionalMean[k] - mean[k]) <= 1e-12 * meanScale)
            }
            var columns = [Double](repeating: 0, count: q * q)
            var b = [Double](repeating: 0, count: q)
            for i in 0..<q {
                z[i] = 1
                let ok = density.randomEffects(at: x, standardNormal: z, into: &b)
                #expect(ok)
                z[i] = 0
                for k in 0..<q { columns[k + i * q] = b[k] - mean[k] }
            }
            let covarianceScale = (0..<q).map { exact.covariance[$0 + $0 * q] }.max() ?? 1
            var worst = 0.0
            for a in 0..<q {
                for c in 0..<q {
                    var sum = 0.0
                    for i in 0..<q { sum += columns[a + i * q] * columns[c + i * q] }
                    worst = max(worst, abs(sum - exact.covariance[a + c * q]))
                }
            }
            #expect(worst <= 1e-8 * covarianceScale, "\(name): covariance off by \(worst) (scale \(covarianceScale))")
        }
    }

    /// A draw uses the stream's standard normals in layout order through the same affine map.
    @Test func drawUsesTheStreamThroughTheAffineMap() throws {
        let model = try DensityTestModels.model(named: "crossed slopes")
        var density = MarginalizedMixedModelDensity(model: model)
        let x = try #require(try Self.testPoints(model, density.parameterization, count: 1).first)
        let q = density.randomEffectsLayout.count
        var random = RandomSource(seed: 5)
        var drawn = [Double](repeating: 0, count: q)
        let drawOK = density.drawRandomEffects(at: x, using: &random, into: &drawn)
        #expect(drawOK)
        var replay = RandomSource(seed: 5)
        let z = (0..<q).map { _ in replay.normal() }
        var mapped = [Double](repeating: 0, count: q)
        let mapOK = density.randomEffects(at: x, standardNormal: z, into: &mapped)
        #expect(mapOK)
        #expect(drawn == mapped)
        // A second draw differs.
        var again = [Double](repeating: 0, count: q)
        let againOK = density.drawRandomEffects(at: x, using: &random, into: &again)
        #expect(againOK)
        #expect(again != drawn)
    }

    @Test func layoutNamesEveryEffectInEngineOrder() throws {
        let model = try DensityTestModels.model(named: "pastes")
        let layout = MarginalizedMixedModelDensity(model: model).randomEffectsLayout
        #expect(layout.groups.map(\.group) == ["cask:batch", "batch"])
        #expect(layout.count == 40)
        #expect(layout.groups[1].offset == 30)
        #expect(layout.names.count == 40)
        #expect(layout.names[30] == "r[batch][A,(Intercept)]")
        #expect(layout.index(group: "batch", level: "B", column: "(Intercept)") == 31)
        #expect(layout.index(group: "batch", level: "nope", column: "(Intercept)") == nil)
        let sleep = MarginalizedMixedModelDensity(model: try DensityTestModels.model(named: "sleepstudy")).randomEffectsLayout
        #expect(sleep.groups[0].columnNames == ["(Intercept)", "Days"])
        #expect(sleep.index(group: "Subject", level: sleep.groups[0].levels[1], column: "Days") == 3)
    }

    /// `unconstrained(fit:)` reads θ̂ in the engine's order: it agrees with T = σ̂ λ(θ̂) built
    /// from the engine's own covariance factors, and a singular fit still gives a finite x.
    @Test(arguments: ["sleepstudy", "sleepstudy zerocorr", "pastes", "crossed slopes", "trailing slopes"])
    func unconstrainedFromFitMatchesTheEngine(_ name: String) throws {
        let model = try DensityTestModels.model(named: name)
        let layout = MixedModelParameterization(model: model)
        let fit = try model.fit(criterion: .ml)
        let x = layout.unconstrained(fit: fit)
        let finite = x.allSatisfy { $0.isFinite }
        #expect(finite)
        let singular = fit.isSingular
        if !singular {
            let expected = try #require(DensityTestModels.maximumLikelihoodPoints[layout.fixedNames.joined() + layout.parameterNames.joined()])
            for i in x.indices { #expect(abs(x[i] - expected[i]) < 1e-12, "\(layout.parameterNames[i])") }
        }
        // The reported SDs are σ̂ times the row norms of λ̂ (lme4's VarCorr).
        let reported = layout.reportedValues(x)
        let sds = fit.varianceComponents.flatMap(\.standardDeviations)
        let mine = zip(layout.parameterNames, reported).filter { $0.0.hasPrefix("sd[") }.map(\.1)
        for (a, b) in zip(mine, sds) { #expect(abs(a - max(b, 1e-4 * fit.sigma)) < 1e-9 * max(1, b)) }
    }

    @Test func rejectsAnotherModelsParameterization() throws {
        let sleep = try DensityTestModels.model(named: "sleepstudy")
        let pastes = try DensityTestModels.model(named: "pastes")
        #expect(throws: MarginalizedDensityError.self) {
            _ = try MarginalizedMixedModelDensity(model: sleep, parameterization: MixedModelParameterization(model: pastes))
        }
    }

    /// Crossed (blocked factor) and single-factor (level classes) paths alike.
    @Test(arguments: ["penicillin", "sleepstudy", "dyestuff"])
    func nonFiniteOrWrongSizedInputGivesMinusInfinity(_ name: String) throws {
        var density = MarginalizedMixedModelDensity(model: try DensityTestModels.model(named: name))
        var gradient = [Double](repeating: 0, count: density.dimension)
        var x = [Double](repeating: 0, count: density.dimension)
        x[0] = .nan
        let notFinite = density.logDensity(at: x, gradient: &gradient)
        let wrongSize = density.logDensity(at: [0], gradient: &gradient)
        x[0] = 20
        x[density.parameterization.sigmaCoordinate] = -800  // σ underflows to 0
        let underflow = density.logDensity(at: x, gradient: &gradient)
        x[density.parameterization.sigmaCoordinate] = 0
        let fine = density.logDensity(at: x, gradient: &gradient)
        #expect(notFinite == -.infinity && wrongSize == -.infinity && underflow == -.infinity)
        #expect(fine.isFinite)
    }
}
