import Foundation
import Testing
@testable import Marginal

/// The analytic gradients of the one-class and joint densities against central finite
/// differences, on designs covering S = 1 and S = 2 blocks, correlated and split (`||`-style)
/// covariances, and crossed factors with either factor integrated out.
@Suite struct AlternativeDensityGradientTests {
    typealias Support = AlternativeDensitySupport

    static func model(named name: String) throws -> LinearMixedModel {
        switch name {
        case "sleepstudy": return try Support.sleepstudy()
        case "sleepstudy-zerocorr": return try Support.sleepstudyZeroCorrelation()
        case "penicillin": return try Support.penicillin()
        case "crossed-slopes-no-intercepts": return try Support.crossedSlopesWithoutIntercepts()
        default: return try Support.crossedSlopes()
        }
    }

    @Test(arguments: ["sleepstudy", "sleepstudy-zerocorr", "penicillin", "crossed-slopes", "crossed-slopes-no-intercepts"])
    func oneClassGradientsMatchFiniteDifferences(_ name: String) throws {
        let model = try Self.model(named: name)
        for group in model.blocks.map(\.group) {
            var density = try OneClassMarginalizedDensity(model: model, marginalizing: group)
            let x = OneClassDensityTests.point(model, layout: density.parameterization, sampled: density.dimension - density.parameterization.dimension, seed: 5)
            Support.expectGradientMatchesFiniteDifferences(&density, at: x)
        }
    }

    @Test(arguments: ["sleepstudy", "sleepstudy-zerocorr", "penicillin", "crossed-slopes", "crossed-slopes-no-intercepts"], RandomEffectParameterization.allCases)
    func jointGradientsMatchFiniteDifferences(_ name: String, _ parameterization: RandomEffectParameterization) throws {
        let model = try Self.model(named: name)
        var density = JointMixedModelDensity(model: model, effects: parameterization)
        var x = OneClassDensityTests.point(model, layout: density.parameterization, sampled: density.dimension - density.parameterization.dimension, seed: 9)
        if parameterization == .centered {
            // Effects on the scale of their prior: b = T z.
            var nonCentered = JointMixedModelDensity(model: model, effects: .nonCentered)
            let computed = nonCentered.randomEffects(at: x)
            let effects = try #require(computed)
            x = try #require(density.coordinates(globals: Array(x.prefix(density.parameterization.dimension)), randomEffects: effects))
        }
        Support.expectGradientMatchesFiniteDifferences(&density, at: x)
    }
}
