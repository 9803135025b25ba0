import Foundation
import Testing
@testable import Marginal

/// L-BFGS (NLopt) and Adam on functions with known minima.
@Suite struct GradientOptimizerTests {
    /// The extended Rosenbrock function Σ 100(x₂ᵢ − x₂ᵢ₋₁²)² + (1 − x₂ᵢ₋₁)², minimum 0 at (1, …, 1).
    static func rosenbrock(_ x: [Double], _ g: inout [Double]) -> Double {
        var f = 0.0
        for i in stride(from: 0, to: x.count, by: 2) {
            let a = x[i + 1] - x[i] * x[i], b = 1 - x[i]
            f += 100 * a * a + b * b
            g[i] = -400 * x[i] * a - 2 * b
            g[i + 1] = 200 * a
        }
        return f
    }

    /// ½ (x − c)ᵀ A (x − c) with A = diag(1, 10, 100) + 0.5·11ᵀ (positive definite), minimum at c.
    static let center = [1.5, -2.0, 0.25]
    static func quadratic(_ x: [Double], _ g: inout [Double]) -> Double {
        let d = zip(x, center).map { $0 - $1 }
        let diagonal = [1.0, 10, 100]
        let sum = d.reduce(0, +)
        var f = 0.0
        for i in d.indices {
            g[i] = diagonal[i] * d[i] + 0.5 * sum
            f += 0.5 * d[i] * g[i]
        }
        return f
    }

    @Test func lbfgsFindsTheRosenbrockMinimum() {
        let start = (0..<10).map { $0 % 2 == 0 ? -1.2 : 1.0 }
        let result = LBFGSMinimizer().minimize(start: start, objective: Self.rosenbrock)
        #expect(result.minimum < 1e-12)
        for x in result.minimizer { #expect(abs(x - 1) < 1e-5) }
        #expect(result.evaluations > 10 && result.evaluations < 1_000)
    }

    @Test func lbfgsFindsTheQuadraticMinimum() {
        let result = LBFGSMinimizer().minimize(start: [0, 0, 0], objective: Self.quadratic)
        for (x, c) in zip(result.minimizer, Self.center) { #expect(abs(x - c) < 1e-7) }
        #expect(result.minimum < 1e-14)
    }

    /// With an upper bound below the minimum the solution sits on the bound: min (x − 2)² + (y + 1)²
    /// with x ≤ 1 is at (1, −1).
    @Test func lbfgsRespectsBounds() {
        var minimizer = LBFGSMinimizer(upperBounds: [1, .infinity])
        minimizer.lowerBounds = [-.infinity, -.infinity]
        let result = minimizer.minimize(start: [0, 0]) { x, g in
            g[0] = 2 * (x[0] - 2)
            g[1] = 2 * (x[1] + 1)
            return (x[0] - 2) * (x[0] - 2) + (x[1] + 1) * (x[1] + 1)
        }
        #expect(abs(result.minimizer[0] - 1) < 1e-9)
        #expect(abs(result.minimizer[1] + 1) < 1e-6)
    }

    @Test func mismatchedBoundsAreAnErrorNotACrash() {
        let result = LBFGSMinimizer(lowerBounds: [0]).minimize(start: [1, 1], objective: Self.quadratic)
        #expect(!result.converged)
        #expect(result.message.hasPrefix("INVALID_ARGS"))
        let bobyqa = BoundedMinimizer(lowerBounds: [0, 0, 0]).minimize(start: [1, 1]) { $0[0] * $0[0] }
        #expect(!bobyqa.converged && bobyqa.message.hasPrefix("INVALID_ARGS"))
    }

    /// At t = 1, m̂ = g and v̂ = g², so each coordinate moves by α g/(|g| + ε): α·sign(g) to 1e-8.
    @Test func adamFirstStepIsTheLearningRateTimesTheSign() {
        var adam = Adam(dimension: 3, learningRate: 0.1)
        var x = [1.0, 2.0, 3.0]
        adam.update(&x, gradient: [4.0, -0.001, 0])
        #expect(abs(x[0] - 0.9) < 1e-9)
        #expect(abs(x[1] - 2.1) < 1e-5)
        #expect(x[2] == 3)
        // Second step by hand: m = 0.9·0.1·g₁... with g = (4, −0.001, 0) again the ratio is still 1.
        adam.update(&x, gradient: [4.0, -0.001, 0])
        #expect(abs(x[0] - 0.8) < 1e-9)
        #expect(adam.stepCount == 2)
        adam.reset()
        #expect(adam.stepCount == 0 && adam.firstMoment == [0, 0, 0])
    }

    @Test func adamConvergesOnTheQuadratic() throws {
        let minimizer = AdamMinimizer(
            learningRate: 0.01,
            stopping: .convergence(gradientTolerance: 1e-7, relativeTolerance: 0, window: 50, maximumIterations: 50_000))
        let result = try minimizer.minimize(start: [0, 0, 0], objective: Self.quadratic)
        #expect(result.converged)
        for (x, c) in zip(result.minimizer, Self.center) { #expect(abs(x - c) < 1e-6) }
        #expect(result.trace.count == result.iterations + 1)
    }

    @Test func adamWithABudgetStopsThereAndApproachesTheRosenbrockMinimum() throws {
        let minimizer = AdamMinimizer(learningRate: 0.01, stopping: .budget(iterations: 20_000))
        let result = try minimizer.minimize(start: [-1.2, 1], objective: Self.rosenbrock)
        #expect(result.iterations == 20_000 && !result.converged)
        #expect(result.trace.count == 20_001)
        #expect(result.minimum < 1e-3 && result.minimum < result.trace[0] / 1_000)
        #expect(abs(result.minimizer[0] - 1) < 0.05 && abs(result.minimizer[1] - 1) < 0.1)
    }

    @Test func adamRejectsInvalidSettings() {
        #expect(throws: EstimationError.self) { try AdamMinimizer(learningRate: 0).minimize(start: [0], objective: { _, _ in 0 }) }
        #expect(throws: EstimationError.self) { try AdamMinimizer(beta1: 1).minimize(start: [0], objective: { _, _ in 0 }) }
        #expect(throws: EstimationError.self) {
            try AdamMinimizer(stopping: .budget(iterations: -1)).minimize(start: [0], objective: { _, _ in 0 })
        }
    }
}
