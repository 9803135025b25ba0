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
        basisTolerance: Double? = nil, progress: ((MarginalProgress) -> Void)? = nil
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
        let minimizer = kappaBoundedMinimizer(dimension: x0.count, maximumEvaluations: maximumEvaluations)
        var trace = [first]
        var failures = 0
        let result = minimizer.minimize(start: x0) { x, g in
            // A trial point where an individual's Laplace approximation fails is a wall for the
            // line search.
            do {
                let value = try objective.evaluate(x, gradient: &g)
                trace.append(value)
                progress?(.init(evaluation: trace.count - 1, value: value, newtonSteps: objective.newtonStepsPerIndividual, failures: failures))
                return value.isFinite ? value : .infinity
            } catch {
                failures += 1
                progress?(.init(evaluation: trace.count - 1, value: trace.last ?? first, newtonSteps: objective.newtonStepsPerIndividual,
                                failures: failures, lastFailure: "\(error)"))
                return .infinity
            }
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

    /// Where the marginal fit is: L-BFGS evaluations, the objective, Newton steps per individual
    /// in the last evaluation, and trial points rejected because a Laplace approximation failed.
    public struct MarginalProgress: Sendable, CustomStringConvertible {
        public var evaluation: Int
        public var value: Double
        public var newtonSteps: Double
        public var failures: Int
        public var lastFailure: String?

        public var description: String {
            var text = "marginal: evaluation \(evaluation), objective \(NumberFormat.significant(value, 8)), "
                + "\(NumberFormat.significant(newtonSteps, 2)) Newton steps per individual"
            if failures > 0 { text += ", \(failures) trial points rejected" }
            if let lastFailure { text += " (\(lastFailure))" }
            return text
        }
    }

    private static func blockNorms(_ objective: AladynMarginalObjective) -> [(likelihood: Double, prior: Double)] {
        objective.ranges.map { range in
            (AladynGradientFlow.norm(objective.likelihoodGradient[range]), AladynGradientFlow.norm(objective.priorGradient[range]))
        }
    }
}
