import Foundation
import Testing
@testable import Marginal

/// The Neyman–Scott example: the joint MLE goes to θ/2, the marginal MLE and EM to θ.
///
/// Tolerances: 2N θ̂_marg/θ ~ χ²_N, so SD(θ̂_marg) = θ√(2/N) (0.0089 for N = 100,000, θ = 2) and
/// SD(θ̂_joint) is half that. Each estimate must lie within 5 standard errors of its limit (a
/// false alarm has probability 6·10⁻⁷ per check); the gap θ/2 between the limits is over 100
/// standard errors, so a joint MLE near θ, or a marginal MLE near θ/2, fails.
@Suite struct NeymanScottExampleTests {
    @Test(arguments: [UInt64(1), 2, 3])
    func jointMLEGoesToHalfThetaAndMarginalMLEAndEMToTheta(_ seed: UInt64) throws {
        let result = try NeymanScottExample(pairs: 100_000, theta: 2, seed: seed).run()
        #expect(result.truth == 2)
        let se = 2 * (2.0 / 100_000).squareRoot()
        #expect(abs(result.marginalStandardError - se) < 1e-15)
        #expect(abs(result.jointMLE - 1) < 5 * se / 2)
        #expect(abs(result.marginalMLE - 2) < 5 * se)
        #expect(abs(result.em - result.marginalMLE) < 1e-10 * result.marginalMLE)
        // The joint MLE is exactly half the marginal MLE (same sum of squares).
        #expect(abs(result.jointMLE * 2 - result.marginalMLE) < 1e-14 * result.marginalMLE)
        #expect(result.marginalMLE - result.jointMLE > 100 * se)
    }

    /// EM from the joint MLE: θ′ − θ̂_marg = (θ − θ̂_marg)/2 at every step, and the marginal log
    /// likelihood −(N/2) log(4πθ) − Σd²/(4θ) (with Σd² = 2N θ̂_marg) rises at every step.
    @Test func emHalvesTheErrorAndRaisesTheMarginalLikelihood() throws {
        let result = try NeymanScottExample(pairs: 1_000, theta: 0.5, seed: 7).run()
        let target = result.marginalMLE
        var previous = result.jointMLE
        let n = Double(result.pairs)
        func logLikelihood(_ theta: Double) -> Double { -n / 2 * log(4 * Double.pi * theta) - 2 * n * target / (4 * theta) }
        for theta in result.emTrace.prefix(20) {
            #expect(abs((theta - target) - (previous - target) / 2) < 1e-12)
            #expect(logLikelihood(theta) > logLikelihood(previous))
            previous = theta
        }
        #expect(result.emIterations == result.emTrace.count)
        #expect(result.emIterations > 20 && result.emIterations < 60)
    }

    /// The estimates from the definitions, on draws repeated in the example's order (μᵢ, yᵢ₁, yᵢ₂):
    /// joint MLE (1/2N) ΣΣ (y − ȳ)², marginal MLE (1/2N) Σ d².
    @Test func estimatesMatchTheirDefinitions() throws {
        let result = try NeymanScottExample(pairs: 5, theta: 3, seed: 11).run()
        var random = RandomSource(seed: 11)
        var within = 0.0, differences = 0.0
        for _ in 0..<5 {
            let mu = random.normal()
            let y1 = random.normal(mean: mu, standardDeviation: 3.0.squareRoot())
            let y2 = random.normal(mean: mu, standardDeviation: 3.0.squareRoot())
            let mean = (y1 + y2) / 2
            within += (y1 - mean) * (y1 - mean) + (y2 - mean) * (y2 - mean)
            differences += (y1 - y2) * (y1 - y2)
        }
        #expect(abs(result.jointMLE - within / 10) < 1e-14)
        #expect(abs(result.marginalMLE - differences / 10) < 1e-14)
    }

    @Test func invalidSettingsAreTypedErrors() {
        #expect(throws: EstimationError.self) { try NeymanScottExample(pairs: 0).run() }
        #expect(throws: EstimationError.self) { try NeymanScottExample(theta: -1).run() }
        #expect(throws: EstimationError.self) { try NeymanScottExample(theta: .infinity).run() }
    }
}
