import Foundation
import Testing
@testable import Marginal

/// N(m, Σ) given by m and the precision P = Σ⁻¹ (row-major): log p = −½ (x − m)ᵀP(x − m).
struct GaussianTarget: LogDensity {
    let mean: [Double]
    let precision: [Double]
    var dimension: Int { mean.count }

    mutating func logDensity(at x: [Double], gradient: inout [Double]) -> Double {
        let d = dimension
        var value = 0.0
        for i in 0..<d {
            var row = 0.0
            for j in 0..<d { row += precision[i * d + j] * (x[j] - mean[j]) }
            gradient[i] = -row
            value -= 0.5 * (x[i] - mean[i]) * row
        }
        return value
    }
}

@Suite struct ADVITests {
    @Test func curvatureStartIsTheMeanFieldOptimumOfAGaussian() {
        // Conditional SDs of the correlated target: √(1 − ρ²) = √0.19 each (below the cap of 1).
        var target = GaussianTarget(mean: [0, 0], precision: [1 / 0.19, -0.9 / 0.19, -0.9 / 0.19, 1 / 0.19])
        let omega = ADVI.curvatureLogStandardDeviations(density: &target, at: [0.3, -0.2])
        for w in omega { #expect(abs(exp(w) - 0.19.squareRoot()) < 1e-6) }
    }

    @Test func invalidOptionsAreTypedErrors() {
        let target = GaussianTarget(mean: [0], precision: [1])
        #expect(throws: EstimationError.self) { try ADVI.fit(target, options: ADVIOptions(gradientDraws: 0)) }
        #expect(throws: EstimationError.self) { try ADVI.fit(target, options: ADVIOptions(initialMean: [0, 0])) }
        #expect(throws: EstimationError.self) { try ADVI.fit(target, options: ADVIOptions(learningRate: -1)) }
    }

    @Test func diagonalGaussianIsRecoveredExactly() throws {
        // Mean-field is exact here: q = target. SDs 0.5, 2, 10.
        let sds = [0.5, 2.0, 10.0]
        let target = GaussianTarget(mean: [1, -3, 20], precision: [1 / 0.25, 0, 0, 0, 1 / 4.0, 0, 0, 0, 1 / 100.0])
        let result = try ADVI.fit(target, options: ADVIOptions(seed: 7, gradientDraws: 10, evaluationInterval: 500, relativeTolerance: 1e-4, maximumIterations: 20_000, initialLogStandardDeviation: 0))
        let q = result.approximation
        for i in 0..<3 {
            #expect(abs(q.mean[i] - target.mean[i]) < 0.03 * sds[i])
            #expect(abs(q.standardDeviation[i] / sds[i] - 1) < 0.02)
        }
        // At q = p the ELBO is log Z = (d/2) log 2π + Σ log sd_i (log p has no constant here); the
        // estimate uses 100 draws, so its Monte Carlo SD is about √(3/2)/10.
        let logZ = 1.5 * log(2 * Double.pi) + sds.reduce(0) { $0 + log($1) }
        #expect(abs(result.elbo - logZ) < 0.4)
        #expect(result.trace.count == result.iterations / 500)
    }

    @Test func correlatedGaussianVariancesAreTheConditionalOnes() throws {
        // Σ = [[1, ρ], [ρ, 1]] with ρ = 0.9: mean-field q has variance 1/P_ii = 1 − ρ² = 0.19, not 1.
        let rho = 0.9
        let det = 1 - rho * rho
        let target = GaussianTarget(mean: [2, -1], precision: [1 / det, -rho / det, -rho / det, 1 / det])
        let result = try ADVI.fit(target, options: ADVIOptions(seed: 3, gradientDraws: 10, evaluationInterval: 500, relativeTolerance: 1e-4, maximumIterations: 20_000, initialLogStandardDeviation: 0))
        let q = result.approximation
        for i in 0..<2 {
            #expect(abs(q.mean[i] - target.mean[i]) < 0.02)
            // Theory: q's precision is diag of the target's, 1/(1 − ρ²) — so its variance 0.19, not 1.
            #expect(abs(q.standardDeviation[i] * q.standardDeviation[i] / det - 1) < 0.04)
        }
    }
}
