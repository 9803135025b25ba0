import Foundation
import Testing
@testable import Marginal

/// The joint MAP objective as a LogDensity, for the finite-difference check.
struct JointMAPObjectiveDensity: LogDensity {
    var objective: JointMAPObjective
    var dimension: Int { objective.dimension }
    mutating func logDensity(at x: [Double], gradient: inout [Double]) -> Double { objective.value(at: x, gradient: &gradient) }
}

/// The objective F(β, b, σ, Σ) in its three coordinate systems: gradient, one function, its two terms.
@Suite struct JointMAPObjectiveTests {
    /// A point in (β, b, σ, Σ): sleepstudy-like globals and effects b of moderate size.
    static func sleepstudyPoint(_ layout: MixedModelParameterization, effects: Int) -> (globals: [Double], effects: [Double]) {
        let globals: [Double] = [250, 10, log(25.0), log(20.0), log(5.0), 0.4]
        #expect(globals.count == layout.dimension)
        return (globals, AlternativeDensitySupport.normals(effects, seed: 11).map { 8 * $0 })
    }

    @Test(arguments: JointMAPParameterization.allCases, [false, true])
    func gradientMatchesFiniteDifferences(form: JointMAPParameterization, jacobian: Bool) throws {
        let model = try AlternativeDensitySupport.sleepstudy()
        let layout = MixedModelParameterization(model: model)
        let objective = try JointMAPObjective(model: model, parameterization: form, includeJacobian: jacobian, layout: layout)
        let point = Self.sleepstudyPoint(layout, effects: objective.dimension - layout.dimension)
        var density = JointMAPObjectiveDensity(objective: objective)
        let x = try #require(objective.coordinates(globals: point.globals, randomEffects: point.effects))
        AlternativeDensitySupport.expectGradientMatchesFiniteDifferences(&density, at: x, tolerance: 1e-6)
    }

    @Test func crossedModelGradient() throws {
        let model = try AlternativeDensitySupport.crossedSlopes()
        let layout = MixedModelParameterization(model: model)
        for form in JointMAPParameterization.allCases {
            let objective = try JointMAPObjective(model: model, parameterization: form, includeJacobian: false, layout: layout)
            var globals = [Double](repeating: 0.1, count: layout.dimension)
            globals[0] = 5
            var density = JointMAPObjectiveDensity(objective: objective)
            let effects = AlternativeDensitySupport.normals(objective.dimension - layout.dimension, seed: 5).map { 0.5 * $0 }
            let x = try #require(objective.coordinates(globals: globals, randomEffects: effects))
            AlternativeDensitySupport.expectGradientMatchesFiniteDifferences(&density, at: x, tolerance: 1e-6)
        }
    }

    /// F is one function of (β, b, σ, Σ): the same value in every form, equal to the dense
    /// log N(y; Xβ + Zb, σ²I) + Σ log N(b_j; 0, Σ) + log prior, and log |J| apart with the Jacobian.
    @Test func oneFunctionInThreeCoordinateSystems() throws {
        let model = try AlternativeDensitySupport.sleepstudy()
        let layout = MixedModelParameterization(model: model)
        let point = Self.sleepstudyPoint(layout, effects: 36)
        // Independent value: dense residual, per-level 2 × 2 normal densities, priors.
        let decoded = AlternativeDensitySupport.decoded(layout, point.globals)
        let r = AlternativeDensitySupport.residual(model, beta: decoded.beta, effects: [(0, point.effects)])
        let sigma = decoded.sigma
        var expected = -Double(r.count) * (0.5 * log(2 * Double.pi) + log(sigma)) - 0.5 * r.reduce(0) { $0 + $1 * $1 } / (sigma * sigma)
        let covariance = AlternativeDensitySupport.covariance(decoded.factors[0], size: 2)
        for level in 0..<18 {
            expected += AlternativeDensitySupport.logNormal(Array(point.effects[(2 * level)..<(2 * level + 2)]), covariance: covariance)
        }
        var globals = decoded
        let priorAndJacobian = layout.priorAndJacobian(point.globals, globals: &globals).value
        let jacobian = layout.logJacobian(point.globals, globals: &globals).value
        // log |J| = log σ + Σ log sd + log(1 − tanh² y) + ½ log 1 for the one correlation.
        #expect(abs(jacobian - (log(25) + log(20) + log(5) + log1p(-tanh(0.4) * tanh(0.4)))) < 1e-12)
        expected += priorAndJacobian - jacobian
        for form in JointMAPParameterization.allCases {
            for withJacobian in [false, true] {
                var objective = try JointMAPObjective(model: model, parameterization: form, includeJacobian: withJacobian, layout: layout)
                let x = try #require(objective.coordinates(globals: point.globals, randomEffects: point.effects))
                let value = objective.value(at: x)
                #expect(abs(value - expected - (withJacobian ? jacobian : 0)) < 1e-9 * abs(expected), "\(form) \(withJacobian)")
            }
        }
    }

    /// The likelihood and prior terms add up to F, value and gradient; the likelihood term is the
    /// dense Gaussian log likelihood; hyperparameters that enter only the prior get exactly zero
    /// likelihood gradient (the covariance when centered; the group-level fixed effects too when
    /// hierarchically centered), and get a non-zero one in the non-centered form.
    @Test func likelihoodAndPriorTerms() throws {
        let model = try AlternativeDensitySupport.sleepstudy()
        let layout = MixedModelParameterization(model: model)
        let point = Self.sleepstudyPoint(layout, effects: 36)
        let decoded = AlternativeDensitySupport.decoded(layout, point.globals)
        let r = AlternativeDensitySupport.residual(model, beta: decoded.beta, effects: [(0, point.effects)])
        let logLikelihood = -Double(r.count) * (0.5 * log(2 * Double.pi) + log(decoded.sigma)) - 0.5 * r.reduce(0) { $0 + $1 * $1 } / (decoded.sigma * decoded.sigma)
        for form in JointMAPParameterization.allCases {
            var objective = try JointMAPObjective(model: model, parameterization: form, includeJacobian: false, layout: layout)
            let x = try #require(objective.coordinates(globals: point.globals, randomEffects: point.effects))
            let evaluated = objective.pieces(at: x)
            let pieces = try #require(evaluated)
            #expect(abs(pieces.likelihood - logLikelihood) < 1e-10 * abs(logLikelihood))
            #expect(abs(pieces.likelihood + pieces.prior - pieces.value) < 1e-9 * abs(pieces.value))
            for i in pieces.gradient.indices {
                #expect(abs(pieces.likelihoodGradient[i] + pieces.priorGradient[i] - pieces.gradient[i]) <= 1e-9 * max(1, abs(pieces.gradient[i])))
            }
            let covariance = Array(3..<6)
            let fixed = [0, 1]
            switch form {
            case .centered:
                #expect(covariance.allSatisfy { pieces.likelihoodGradient[$0] == 0 })
                #expect(fixed.allSatisfy { pieces.likelihoodGradient[$0] != 0 })
            case .hierarchical:
                #expect((covariance + fixed).allSatisfy { pieces.likelihoodGradient[$0] == 0 })
            case .nonCentered:
                #expect(covariance.allSatisfy { pieces.likelihoodGradient[$0] != 0 })
            }
            // The likelihood gradient by finite differences of the dense likelihood in x.
            var dense = objective
            func likelihood(at x: [Double]) -> Double { dense.pieces(at: x)?.likelihood ?? .nan }
            for i in [0, 2, 3, 5, 6, 7, 40] {
                let h = 1e-5 * max(1, abs(x[i]))
                var up = x, down = x
                up[i] += h
                down[i] -= h
                let fd = (likelihood(at: up) - likelihood(at: down)) / (2 * h)
                #expect(abs(fd - pieces.likelihoodGradient[i]) <= 1e-5 * max(1, abs(fd)), "\(form) coordinate \(i)")
            }
        }
    }

    /// Hierarchical centering finds the group-level columns: sleepstudy's intercept and Days (w = 1)
    /// for (1 + Days | Subject); nothing for a fixed effect that varies within groups.
    @Test func hierarchicalCenteringDetection() throws {
        let centering = HierarchicalCentering(model: try AlternativeDensitySupport.sleepstudy())
        #expect(centering.absorptions.map(\.fixedColumn) == [0, 1])
        #expect(centering.absorptions.map(\.column) == [0, 1])
        #expect(centering.absorptions.allSatisfy { $0.weights.allSatisfy { $0 == 1 } })
        let zeroCorrelation = HierarchicalCentering(model: try AlternativeDensitySupport.model(
            "sleepstudy.csv", dataset: "sleepstudy", formula: "Reaction ~ 1 + Days + (1 | Subject)"))
        #expect(zeroCorrelation.absorptions.map(\.fixedColumn) == [0])
    }
}
