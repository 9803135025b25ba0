import Foundation
import Testing
@testable import Marginal

/// EM fits against lme4's reference fits: the objective trace never rises, and the final
/// objective, β, σ and the SDs reach lme4's ML and REML estimates.
@Suite struct ExpectationMaximizationTests {
    static let references = [
        "sleepstudy_slope_ml", "sleepstudy_slope_reml", "sleepstudy_zerocorr_ml", "sleepstudy_zerocorr_reml",
        "penicillin_ml", "penicillin_reml", "pastes_ml", "pastes_reml", "dyestuff_ml", "dyestuff_reml",
    ]

    @Test(arguments: references)
    func squaremReachesTheLme4Optimum(_ name: String) throws {
        let (model, reference) = try EMTestSupport.model(name)
        let fit = try model.fitEM(EMOptions(criterion: EMTestSupport.criterion(reference)))
        #expect(fit.converged)
        #expect(fit.acceleration == .squarem)
        #expect(abs(fit.objective - reference.criterion) < 1e-6, "\(fit.objective) vs \(reference.criterion)")
        #expect(EMTestSupport.largestRise(fit.objectiveTrace) <= 0)
        #expect(fit.objectiveTrace.count == fit.iterations + 1)
        #expect(fit.objectiveTrace.last == fit.objective)
        // The objective is flat at the optimum: 1e-6 in it allows ~1e-4 relative in the estimates.
        #expect(relativeError(fit.sigma, reference.residual_sd) < 1e-4)
        for (estimate, expected) in zip(fit.fixedEffects, reference.fixef) {
            #expect(estimate.name == expected.term)
            #expect(relativeError(estimate.estimate, expected.estimate) < 1e-4)
        }
        let sds = fit.varianceComponents.flatMap(\.standardDeviations)
        let expectedSDs = reference.varcomp.flatMap(\.sd)
        #expect(sds.count == expectedSDs.count)
        for (sd, expected) in zip(sds, expectedSDs) { #expect(abs(sd - expected) < 1e-3 * max(expected, 1)) }
        #expect(!fit.warnings.contains(where: EMTestSupport.isSlowSingularWarning))
        #expect(fit.evaluations >= fit.iterations)
        #expect(fit.seconds > 0)
    }

    /// Plain ECME (no acceleration) on the designs where it is fast.
    @Test(arguments: ["sleepstudy_slope_ml", "sleepstudy_slope_reml", "penicillin_ml", "penicillin_reml", "dyestuff_ml", "dyestuff_reml"])
    func plainECMEReachesTheLme4Optimum(_ name: String) throws {
        let (model, reference) = try EMTestSupport.model(name)
        let fit = try model.fitEM(EMOptions(criterion: EMTestSupport.criterion(reference), acceleration: .none))
        #expect(fit.converged)
        #expect(abs(fit.objective - reference.criterion) < 1e-6, "\(fit.objective) vs \(reference.criterion)")
        #expect(EMTestSupport.largestRise(fit.objectiveTrace) <= 0)
        // Without acceleration there is one E-step per iteration (plus, when rounding ended the
        // run, the rejected last step).
        #expect(fit.evaluations == fit.iterations + 1 || fit.evaluations == fit.iterations + 2)
    }

    /// The map itself, without the driver's guard: d(F(θ)) ≤ d(θ) at every step of a plain run,
    /// up to rounding, on the four data sets of the issue. Near convergence the objective's
    /// rounding error is a few 10⁻¹² relative (r² is a difference of sums of squares of the size of
    /// yᵀy); 10⁻¹⁰ relative allows for it, and the first four steps must each gain at least 10⁻⁶.
    @Test(arguments: ["sleepstudy_slope_ml", "sleepstudy_slope_reml", "penicillin_ml", "penicillin_reml",
                      "pastes_ml", "pastes_reml", "dyestuff_ml", "dyestuff_reml"])
    func everyECMEStepLowersTheObjective(_ name: String) throws {
        let (model, reference) = try EMTestSupport.model(name)
        var map = ECMEMap(products: model.products, factors: model.factors, criterion: EMTestSupport.criterion(reference))
        var theta = model.initialTheta
        var trace: [Double] = []
        for _ in 0..<200 {
            let applied = map.apply(theta)
            let step = try #require(applied)
            trace.append(step.objective)
            theta = step.next
        }
        #expect(EMTestSupport.largestRise(trace) <= 1e-10 * abs(reference.criterion))
        #expect(EMTestSupport.largestRise(Array(trace.prefix(5))) < -1e-6)
        // Two hundred plain steps from λ = I get within 1 of the optimum everywhere (Pastes is the slowest).
        let last = try #require(trace.last)
        #expect(last - reference.criterion < 1 && last - reference.criterion > -1e-6)
        #expect(trace[0] - last > 0)
    }

    /// At lme4's optimum θ̂ the ECME map is (nearly) the identity: the ML/REML estimate is a fixed
    /// point of EM. lme4's θ̂ is accurate to about 10⁻⁵, which bounds how far F moves it.
    @Test(arguments: ["sleepstudy_slope_ml", "sleepstudy_slope_reml", "penicillin_reml", "sleepstudy_zerocorr_ml"])
    func theLme4OptimumIsAFixedPoint(_ name: String) throws {
        let (model, reference) = try EMTestSupport.model(name)
        var map = ECMEMap(products: model.products, factors: model.factors, criterion: EMTestSupport.criterion(reference))
        let applied = map.apply(reference.theta)
        let step = try #require(applied)
        for (moved, original) in zip(step.next, reference.theta) {
            #expect(abs(moved - original) < 1e-4 * max(1, abs(original)), "\(moved) vs \(original)")
        }
        // One step away from θ̂ it is not the identity (the test can see a wrong map).
        let away = reference.theta.map { $0 * 1.5 + 0.1 }
        let appliedAway = map.apply(away)
        let stepAway = try #require(appliedAway)
        #expect(zip(stepAway.next, away).contains { abs($0 - $1) > 1e-3 })
    }

    @Test func iterationLimitIsReportedAsNotConverged() throws {
        let (model, _) = try EMTestSupport.model("pastes_ml")
        let fit = try model.fitEM(EMOptions(criterion: .ml, acceleration: .none, maximumIterations: 5))
        #expect(!fit.converged)
        #expect(fit.iterations == 5)
        #expect(fit.warnings.contains { $0.contains("without meeting its convergence rule") })
    }

    @Test func invalidOptionsAreTypedErrors() throws {
        let (model, _) = try EMTestSupport.model("dyestuff_ml")
        #expect(throws: EstimationError.self) { try model.fitEM(EMOptions(relativeTolerance: 0)) }
        #expect(throws: EstimationError.self) { try model.fitEM(EMOptions(relativeTolerance: .nan)) }
        #expect(throws: EstimationError.self) { try model.fitEM(EMOptions(maximumIterations: 0)) }
    }
}
