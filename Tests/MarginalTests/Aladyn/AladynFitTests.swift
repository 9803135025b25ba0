import Foundation
import Testing
@testable import Marginal

/// The published optimizer's learning-rate groups, and convergence at W = 1.
@Suite struct AladynFitTests {
    /// Adam's first step is −α g/(|g| + 10⁻⁸) per coordinate (m̂ = g, √v̂ = |g|), with α the group's
    /// learning rate: 0.1 for λ, γ, κ and 0.01 for φ, ψ as published; fixed blocks stay.
    @Test func firstStepFollowsTheLearningRateGroups() throws {
        let model = try AladynFixture.model()
        let start = try model.converted(try AladynFixture.centred(model), to: .nonCentred)
        let (_, gradient) = try AladynObjective(model: model, form: .nonCentred, threads: 1).valueAndGradient(start)
        let fit = try AladynFit.adam(model, start: start, epochs: 1, learningRate: 0.1)
        let rates: [AladynParameters.Block: Double] = [.trajectories: 0.1, .diseaseLogits: 0.01, .diseaseOffsets: 0.01, .covariateEffects: 0.1, .scale: 0.1]
        for (block, rate) in rates {
            for index in start.range(block) {
                let step = fit.parameters.values[index] - start.values[index]
                let expected = -rate * gradient[index] / (abs(gradient[index]) + 1e-8)
                #expect(abs(step - expected) < 1e-12, "\(block) \(index): \(step) vs \(expected)")
            }
        }
        let held = try AladynFit.adam(model, start: start, epochs: 1, fixed: [.scale, .covariateEffects])
        #expect(held.parameters.kappa == start.kappa && held.parameters.gamma == start.gamma)
        #expect(held.parameters[.trajectories] != start[.trajectories])
    }

    /// At W = 1 (the literal MAP) the non-centred objective run to convergence by L-BFGS from two
    /// different starts, the data-only start and the same with γ = 0 and every δ shifted, ends at
    /// the same loss.
    @Test func nonCentredMAPReachesOneLossFromTwoStarts() throws {
        let dimensions = AladynDimensions(individuals: 40, diseases: 5, ages: 6, signatures: 2, covariates: 2)
        let simulation = try AladynSimulation(dimensions: dimensions, seed: 11)
        let model = try simulation.model(logitPrevalence: AladynPrevalence.smoothedLogit(simulation.outcomes), priorWeight: 1)
        let first = try AladynInitialization.published(model, form: .nonCentred, seed: 1)
        var second = first
        for index in second.range(.covariateEffects) { second.values[index] = 0 }
        for index in second.range(.trajectories) { second.values[index] += 0.3 * sin(Double(index)) }
        let fits = try [first, second].map { (start: AladynParameters) throws(AladynError) -> AladynFit in
            try AladynFit.lbfgs(model, start: start, maximumEvaluations: 20_000)
        }
        #expect(abs(fits[0].loss - fits[1].loss) < 1e-7 * abs(fits[0].loss), "losses \(fits.map(\.loss)), evaluations \(fits.map(\.iterations))")
    }
}
