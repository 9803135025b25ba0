import Foundation
import Testing
@testable import Marginal

@Suite struct DebugTmpTests {
    @Test func debug() throws {
        let dims = AladynDimensions(individuals: 200, diseases: 20, ages: 20, signatures: 3, covariates: 5)
        let simulation = try AladynSimulation(dimensions: dims, seed: 2)
        for smoothed in [false, true] {
            let model = try simulation.model(logitPrevalence: smoothed ? AladynPrevalence.smoothedLogit(simulation.outcomes) : nil)
            let objective = try AladynMarginalObjective(model: model)
            var truth = simulation.truth
            if smoothed {
                // ψ relative to the smoothed μ: absorb the difference into φ's deviation is not possible exactly; keep φ, ψ as truth.
                truth = simulation.truth
            }
            let xt = try objective.coordinates(of: truth)
            var g = xt
            let vt = try objective.evaluate(xt, gradient: &g)
            let start = try AladynInitialization.published(model, form: .centred, seed: 1002)
            let fit = try AladynFit.marginal(model, start: start, maximumEvaluations: 3000)
            let xf = try objective.coordinates(of: fit.parameters)
            let vf = try objective.evaluate(xf, gradient: &g)
            let gnorm = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
            print("smoothed", smoothed, "truth", vt, "fit", vf, "evals", fit.iterations, "kappa", fit.parameters.kappa, "gnorm", gnorm, "meanabsgamma", fit.parameters.gamma.map(abs).reduce(0, +) / Double(fit.parameters.gamma.count))
            // From the truth.
            let fit2 = try AladynFit.marginal(model, start: truth, maximumEvaluations: 3000)
            let x2 = try objective.coordinates(of: fit2.parameters)
            let v2 = try objective.evaluate(x2, gradient: &g)
            print("  from truth: fit", v2, "evals", fit2.iterations, "kappa", fit2.parameters.kappa, "meanabsgamma", fit2.parameters.gamma.map(abs).reduce(0, +) / Double(fit2.parameters.gamma.count), "gamma corr", AladynRecovery.correlation(fit2.parameters.gamma, truth.gamma), "slope", AladynRecovery.slope(fit2.parameters.gamma, on: truth.gamma))
        }
    }
}
