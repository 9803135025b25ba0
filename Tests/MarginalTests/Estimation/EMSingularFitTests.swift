import Foundation
import Testing
@testable import Marginal

/// Dyestuff2, whose ML and REML fits put the Batch variance at 0 (lme4: θ = 0, singular):
/// EM approaches that boundary ever more slowly, and says so.
@Suite struct EMSingularFitTests {
    @Test(arguments: ["dyestuff2_ml", "dyestuff2_reml"])
    func plainECMEStallsNearTheBoundaryAndWarns(_ name: String) throws {
        let (model, reference) = try EMTestSupport.model(name)
        let fit = try model.fitEM(EMOptions(criterion: EMTestSupport.criterion(reference), acceleration: .none, maximumIterations: 300))
        // Still far (in EM's terms) from θ = 0 after 300 steps, with a monotone trace.
        #expect(!fit.converged)
        #expect(fit.theta[0] > LinearMixedModel.singularTolerance && fit.theta[0] < 0.05)
        #expect(fit.objective - reference.criterion > 1e-4)
        #expect(EMTestSupport.largestRise(fit.objectiveTrace) <= 0)
        let warning = try #require(fit.warnings.first(where: EMTestSupport.isSlowSingularWarning))
        #expect(warning.contains("Batch.(Intercept)"))
        // The per-step gain in the last iterations is tiny next to the remaining gap.
        let trace = fit.objectiveTrace
        let gain = trace[trace.count - 2] - trace[trace.count - 1]
        #expect(gain > 0 && gain < 1e-2 * (fit.objective - reference.criterion))
    }

    @Test(arguments: ["dyestuff2_ml", "dyestuff2_reml"])
    func squaremReachesTheSingularFitAndStillWarns(_ name: String) throws {
        let (model, reference) = try EMTestSupport.model(name)
        let fit = try model.fitEM(EMOptions(criterion: EMTestSupport.criterion(reference)))
        #expect(abs(fit.objective - reference.criterion) < 1e-6)
        #expect(fit.theta == [0])
        #expect(fit.estimates.isSingular)
        #expect(EMTestSupport.largestRise(fit.objectiveTrace) <= 0)
        #expect(fit.warnings.contains(where: EMTestSupport.isSlowSingularWarning))
        #expect(fit.warnings.contains { $0.hasPrefix("boundary (singular) fit") })
    }

    /// The monitor on its own: a sequence θₜ = t^{−1/2} (EM's path to a boundary) is flagged, a
    /// geometric approach to an interior θ* = 0.02 is not.
    @Test func monitorSeparatesABoundaryApproachFromAnInteriorLimit() {
        var boundary = BoundaryApproachMonitor(lowerBounds: [0])
        var interior = BoundaryApproachMonitor(lowerBounds: [0])
        for t in 400..<410 {
            boundary.observe(from: [1 / Double(t).squareRoot()], to: [1 / Double(t + 1).squareRoot()])
            interior.observe(from: [0.02 + 0.01 * pow(0.8, Double(t - 400))], to: [0.02 + 0.01 * pow(0.8, Double(t - 399))])
        }
        #expect(boundary.findings(theta: [1 / 410.0.squareRoot()]).map(\.index) == [0])
        #expect(interior.findings(theta: [0.02]).isEmpty)
        // A boundary approach where θ is still large is not "near a singular fit".
        var large = BoundaryApproachMonitor(lowerBounds: [0])
        for t in 1..<10 { large.observe(from: [5 / Double(t).squareRoot()], to: [5 / Double(t + 1).squareRoot()]) }
        #expect(large.findings(theta: [5 / 10.0.squareRoot()]).isEmpty)
    }
}
