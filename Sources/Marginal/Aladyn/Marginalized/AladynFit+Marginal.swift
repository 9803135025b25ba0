import Foundation

extension AladynFit {
    /// The marginal method: the population parameters (φ, ψ, γ, κ) maximizing the Laplace marginal
    /// likelihood with every individual's λ_i integrated out (``AladynMarginalObjective``), by L-BFGS
    /// with exact gradients from `start` (its λ is not used; κ is kept positive). The result's λ is
    /// each individual's posterior mode at the estimate, so that ``loss`` is the published objective
    /// (at the model's W) at the same kind of point as the joint-MAP arms report. The gradient flow
    /// has rows for ε (φ whitened, its likelihood and prior parts), ψ, γ and κ. `basisTolerance`
    /// (default 10⁻⁶) sets the trajectory basis's truncation (``AladynTrajectoryBasis``; 0 keeps all
    /// T directions).
    public static func marginal(
        _ model: AladynModel, start: AladynParameters, maximumEvaluations: Int = 1000,
        basisTolerance: Double? = nil, progress: ((_ evaluation: Int, _ value: Double, _ newtonSteps: Double) -> Void)? = nil
    ) throws(AladynError) -> AladynFit {
        guard maximumEvaluations >= 1 else {
            throw .invalidValue(what: "the number of evaluations", value: "\(maximumEvaluations)", requirement: "positive")
        }
        let clock = ContinuousClock.now
        let objective = try AladynMarginalObjective(model: model, basisTolerance: basisTolerance ?? AladynTrajectoryBasis.defaultTolerance)
        let x0 = try objective.coordinates(of: start)
        var gradient = [Double](repeating: 0, count: x0.count)
        let first = try objective.evaluate(x0, gradient: &gradient)
        let startNorms = blockNorms(objective)
        var lower = [Double](repeating: -.infinity, count: x0.count)
        lower[lower.count - 1] = 1e-6
        var minimizer = LBFGSMinimizer(lowerBounds: lower)
        minimizer.maximumEvaluations = maximumEvaluations
        minimizer.relativeObjectiveTolerance = 1e-12
        minimizer.memory = 20
        var trace = [first]
        let result = minimizer.minimize(start: x0) { x, g in
            // A failed Laplace step at a trial point is a wall for the line search.
            guard let value = try? objective.evaluate(x, gradient: &g), value.isFinite else { return .infinity }
            trace.append(value)
            progress?(trace.count - 1, value, objective.newtonStepsPerIndividual)
            return value
        }
        _ = try objective.evaluate(result.minimizer, gradient: &gradient)
        let endNorms = blockNorms(objective)
        let parameters = try objective.parameters(at: result.minimizer)
        let loss = try AladynObjective(model: model, form: .centred).evaluate(parameters)
        let names = ["epsilon", "psi", "gamma", "kappa"]
        let rows = names.indices.map { index in
            AladynGradientFlow.Row(
                block: names[index], likelihoodStart: startNorms[index].likelihood, priorStart: startNorms[index].prior,
                likelihoodEnd: endNorms[index].likelihood, priorEnd: endNorms[index].prior)
        }
        return AladynFit(
            parameters: parameters, trace: trace, loss: loss.likelihood + loss.prior, gradientFlow: AladynGradientFlow(rows: rows),
            seconds: seconds(since: clock), iterations: result.evaluations)
    }

    private static func blockNorms(_ objective: AladynMarginalObjective) -> [(likelihood: Double, prior: Double)] {
        objective.ranges.map { range in
            (AladynGradientFlow.norm(objective.likelihoodGradient[range]), AladynGradientFlow.norm(objective.priorGradient[range]))
        }
    }
}
