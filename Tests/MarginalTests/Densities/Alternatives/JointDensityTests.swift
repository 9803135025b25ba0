import Foundation
import Testing
@testable import Marginal

/// The joint density with every random effect sampled: its value against a direct sum of
/// Gaussian log densities, and the exact change of variables between the centered and the
/// non-centered forms.
@Suite struct JointDensityTests {
    typealias Support = AlternativeDensitySupport

    /// Σ_n log N(y_n; x_nβ + Σ_k z_kn b_k, σ²) + Σ_k Σ_j log N(b_kj; 0, Σ_k) with Σ_k = T_k T_kᵀ
    /// formed densely (no T⁻¹).
    static func denseJoint(_ model: LinearMixedModel, layout: MixedModelParameterization, x: [Double], effects: [[Double]]) -> Double {
        let globals = Support.decoded(layout, x)
        let r = Support.residual(model, beta: globals.beta, effects: effects.enumerated().map { ($0.offset, $0.element) })
        var value = r.reduce(0) { $0 - 0.5 * log(2 * Double.pi) - log(globals.sigma) - 0.5 * $1 * $1 / (globals.sigma * globals.sigma) }
        for (k, block) in model.blocks.enumerated() {
            let s = block.dimension
            let sigma = Support.covariance(globals.factors[k], size: s)
            for level in 0..<block.levelCount {
                value += Support.logNormal(Array(effects[k][(level * s)..<(level * s + s)]), covariance: sigma)
            }
        }
        return value
    }

    @Test(arguments: ["sleepstudy", "sleepstudy-zerocorr", "penicillin", "crossed-slopes", "crossed-slopes-no-intercepts"])
    func bothFormsMatchTheDenseJointDensity(_ name: String) throws {
        let model = try AlternativeDensityGradientTests.model(named: name)
        var nonCentered = JointMixedModelDensity(model: model, effects: .nonCentered)
        var centered = JointMixedModelDensity(model: model, effects: .centered)
        let layout = centered.parameterization
        let x = OneClassDensityTests.point(model, layout: layout, sampled: centered.dimension - layout.dimension, seed: 13)
        let computed = nonCentered.randomEffects(at: x)
            let flat = try #require(computed)
        let effects = Support.split(flat, model)
        var gradient = [Double](repeating: 0, count: centered.dimension)
        let xc = try #require(centered.coordinates(globals: Array(x.prefix(layout.dimension)), randomEffects: flat))
        let value = centered.logDensity(at: xc, gradient: &gradient)
        let expected = Self.denseJoint(model, layout: layout, x: x, effects: effects) + Support.priorTerms(layout, x)
        #expect(relativeError(value, expected) < 1e-10, "\(value) vs \(expected)")
        #expect(centered.randomEffects(at: xc) == flat)
        // Non-centered: the same density at b = T z times |∂b/∂z| = Π_k |T_k|^ℓ_k.
        let logJacobian = Self.logJacobian(model, layout: layout, x: x)
        let nonCenteredValue = nonCentered.logDensity(at: x, gradient: &gradient)
        #expect(relativeError(nonCenteredValue, expected + logJacobian) < 1e-10)
    }

    /// The exact second derivatives along the effects against central differences of the
    /// analytic gradient (exact up to rounding: log p is quadratic in the effects), for both forms,
    /// crossed factors and S up to 2; and the mean-field start built from them equals ADVI's probe
    /// of every coordinate.
    @Test(arguments: ["sleepstudy", "penicillin", "crossed-slopes"])
    func effectCurvaturesMatchFiniteDifferences(_ name: String) throws {
        let model = try AlternativeDensityGradientTests.model(named: name)
        for form in RandomEffectParameterization.allCases {
            var density = JointMixedModelDensity(model: model, effects: form)
            let globalCount = density.parameterization.dimension
            let x = OneClassDensityTests.point(model, layout: density.parameterization, sampled: density.dimension - globalCount, seed: 21)
            let computed = density.effectCurvatures(at: x)
            let curvatures = try #require(computed)
            #expect(curvatures.count == density.dimension - globalCount)
            var up = [Double](repeating: 0, count: density.dimension), down = up
            for i in stride(from: 0, to: curvatures.count, by: max(1, curvatures.count / 25)) {
                let coordinate = globalCount + i
                var point = x
                point[coordinate] += 1e-3
                _ = density.logDensity(at: point, gradient: &up)
                point[coordinate] -= 2e-3
                _ = density.logDensity(at: point, gradient: &down)
                let numeric = (up[coordinate] - down[coordinate]) / 2e-3
                #expect(abs(curvatures[i] - numeric) < 1e-6 * max(1, abs(numeric)), "\(form) \(density.parameterNames[coordinate]): \(curvatures[i]) vs \(numeric)")
                #expect(curvatures[i] < 0)
            }
            let start = try #require(LinearMixedModel.curvatureStart(density: density, at: x, globalCount: globalCount))
            let probed = ADVI.curvatureLogStandardDeviations(density: &density, at: x)
            #expect(start.count == probed.count)
            #expect(zip(start, probed).allSatisfy { abs($0 - $1) < 1e-6 })
        }
        var density = JointMixedModelDensity(model: model, effects: .centered)
        let wrongLength = density.effectCurvatures(at: [1, 2])
        #expect(wrongLength == nil)
    }

    static func logJacobian(_ model: LinearMixedModel, layout: MixedModelParameterization, x: [Double]) -> Double {
        let globals = Support.decoded(layout, x)
        var total = 0.0
        for (k, block) in model.blocks.enumerated() {
            let s = block.dimension
            for a in 0..<s { total += Double(block.levelCount) * log(globals.factors[k][a + a * s]) }
        }
        return total
    }

    /// log p_nc(θ, z) = log p_c(θ, T z) + Σ_k ℓ_k log |T_k| exactly, and the chain rule
    /// ∇_z log p_nc = Tᵀ ∇_b log p_c holds level by level.
    @Test(arguments: ["sleepstudy", "sleepstudy-zerocorr", "penicillin", "crossed-slopes", "crossed-slopes-no-intercepts"])
    func centeredAndNonCenteredAreAChangeOfVariables(_ name: String) throws {
        let model = try AlternativeDensityGradientTests.model(named: name)
        var nonCentered = JointMixedModelDensity(model: model, effects: .nonCentered)
        var centered = JointMixedModelDensity(model: model, effects: .centered)
        let layout = centered.parameterization
        for seed: UInt64 in [1, 2, 3] {
            let x = OneClassDensityTests.point(model, layout: layout, sampled: centered.dimension - layout.dimension, seed: seed)
            let computed = nonCentered.randomEffects(at: x)
            let effects = try #require(computed)
            let xc = try #require(centered.coordinates(globals: Array(x.prefix(layout.dimension)), randomEffects: effects))
            var gradientNC = [Double](repeating: 0, count: centered.dimension)
            var gradientC = gradientNC
            let valueNC = nonCentered.logDensity(at: x, gradient: &gradientNC)
            let valueC = centered.logDensity(at: xc, gradient: &gradientC)
            let logJacobian = Self.logJacobian(model, layout: layout, x: x)
            #expect(abs(valueNC - (valueC + logJacobian)) <= 1e-12 * abs(valueNC))
            // Round trip of the coordinates.
            let back = try #require(nonCentered.coordinates(globals: Array(x.prefix(layout.dimension)), randomEffects: effects))
            #expect(zip(back, x).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) })
            // Chain rule for the effects' coordinates.
            let globals = Support.decoded(layout, x)
            var offset = layout.dimension
            var worst = 0.0
            for (k, block) in model.blocks.enumerated() {
                let s = block.dimension
                let t = globals.factors[k]
                for level in 0..<block.levelCount {
                    for a in 0..<s {
                        var expected = 0.0
                        for c in a..<s { expected += t[c + a * s] * gradientC[offset + level * s + c] }
                        let actual = gradientNC[offset + level * s + a]
                        worst = max(worst, abs(actual - expected) / max(1, abs(expected)))
                    }
                }
                offset += block.levelCount * s
            }
            #expect(worst < 1e-10)
        }
    }

    @Test func namesAndShapes() throws {
        let model = try Support.penicillin()
        let centered = JointMixedModelDensity(model: model, effects: .centered)
        let nonCentered = JointMixedModelDensity(model: model, effects: .nonCentered)
        #expect(centered.dimension == centered.parameterization.dimension + 30)
        #expect(centered.parameterNames.count == centered.dimension)
        #expect(centered.parameterNames[centered.parameterization.dimension] == "r[plate][a,(Intercept)]")
        #expect(nonCentered.parameterNames.last == "z[sample][F,(Intercept)]")
        #expect(centered.randomEffectNames.last == "r[sample][F,(Intercept)]")
        #expect(nonCentered.randomEffectNames == centered.randomEffectNames)
        #expect(centered.coordinates(globals: [0], randomEffects: []) == nil)
        var density = centered
        var gradient = [Double](repeating: 0, count: 3)
        #expect(density.logDensity(at: [0, 0, 0], gradient: &gradient) == -.infinity)
    }
}
