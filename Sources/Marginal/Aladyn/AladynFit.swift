import Foundation

/// Joint MAP for ALADYN: minimizing the published objective ``AladynModel`` over all of λ (or δ),
/// φ (or ε), ψ, γ, κ, by the published optimizer or to convergence.
public struct AladynFit: Sendable {
    public var parameters: AladynParameters
    /// The objective before the first step and after each.
    public var trace: [Double]
    /// The objective at the end (the published loss: the same function of (λ, φ, ψ, γ, κ) in
    /// either form, so the arms' values are comparable).
    public var loss: Double
    public var gradientFlow: AladynGradientFlow
    public var seconds: Double
    public var iterations: Int

    /// The published optimizer (`fit`, `clust_huge_amp_vectorized.py` lines 353–394, with the
    /// parameter-recovery notebook's settings): full-batch Adam for `epochs` steps at learning rate
    /// `learningRate` (0.1) for λ/δ, γ and κ and a tenth of it for φ/ε and ψ, no weight decay.
    /// The blocks in `fixed` stay at their start (κ for the notebook's "nokappa" arm; all but λ
    /// when predicting for new individuals).
    public static func adam(
        _ model: AladynModel, start: AladynParameters, epochs: Int = 300, learningRate: Double = 0.1,
        fixed: Set<AladynParameters.Block> = [], progress: ((Int, Double) -> Void)? = nil
    ) throws(AladynError) -> AladynFit {
        guard epochs >= 0 else { throw .invalidValue(what: "the number of epochs", value: "\(epochs)", requirement: "non-negative") }
        guard learningRate.isFinite, learningRate > 0 else {
            throw .invalidValue(what: "the learning rate", value: "\(learningRate)", requirement: "a positive finite number")
        }
        let clock = ContinuousClock.now
        let objective = AladynObjective(model: model, form: start.form)
        let ranges = AladynParameters.ranges(model.dimensions)
        let rates = [learningRate, learningRate * 0.1, learningRate * 0.1, learningRate, learningRate]
        let groups = AladynParameters.Block.allCases.filter { !fixed.contains($0) }.map { (range: ranges[$0.rawValue], learningRate: rates[$0.rawValue]) }
        var adam = Adam(dimension: start.values.count)
        var x = start.values
        var gradient = [Double](repeating: 0, count: x.count)
        var value = try checkedValue(objective, x, &gradient)
        let first = AladynGradientFlow.norms(objective)
        var trace = [value]
        for epoch in 0..<epochs {
            adam.update(&x, gradient: gradient, groups: groups)
            value = try checkedValue(objective, x, &gradient)
            trace.append(value)
            progress?(epoch + 1, value)
        }
        var parameters = start
        parameters.values = x
        return AladynFit(
            parameters: parameters, trace: trace, loss: value,
            gradientFlow: AladynGradientFlow(form: start.form, start: first, end: AladynGradientFlow.norms(objective)),
            seconds: seconds(since: clock), iterations: epochs)
    }

    /// Minimization to convergence by L-BFGS (``LBFGSMinimizer``) from `start`, at most
    /// `maximumEvaluations` objective evaluations; κ is kept positive (π must stay a probability).
    public static func lbfgs(
        _ model: AladynModel, start: AladynParameters, maximumEvaluations: Int = 2000
    ) throws(AladynError) -> AladynFit {
        let clock = ContinuousClock.now
        let objective = AladynObjective(model: model, form: start.form)
        var gradient = [Double](repeating: 0, count: start.values.count)
        let firstValue = try checkedValue(objective, start.values, &gradient)
        let first = AladynGradientFlow.norms(objective)
        let minimizer = kappaBoundedMinimizer(dimension: start.values.count, maximumEvaluations: maximumEvaluations)
        var trace = [firstValue]
        let result = minimizer.minimize(start: start.values) { x, g in
            let value = objective.valueAndGradient(x, &g)
            trace.append(value)
            return value.isFinite ? value : .infinity
        }
        var parameters = start
        parameters.values = result.minimizer
        let value = try checkedValue(objective, result.minimizer, &gradient)
        return AladynFit(
            parameters: parameters, trace: trace, loss: value,
            gradientFlow: AladynGradientFlow(form: start.form, start: first, end: AladynGradientFlow.norms(objective)),
            seconds: seconds(since: clock), iterations: result.evaluations)
    }

    /// The L-BFGS minimizer of both continuations: κ, the last coordinate, bounded below by 10⁻⁶
    /// (π must stay a probability), memory 20, relative objective tolerance 10⁻¹².
    static func kappaBoundedMinimizer(dimension: Int, maximumEvaluations: Int) -> LBFGSMinimizer {
        var lower = [Double](repeating: -.infinity, count: dimension)
        lower[dimension - 1] = 1e-6
        var minimizer = LBFGSMinimizer(lowerBounds: lower)
        minimizer.maximumEvaluations = maximumEvaluations
        minimizer.relativeObjectiveTolerance = 1e-12
        minimizer.memory = 20
        return minimizer
    }

    private static func checkedValue(_ objective: AladynObjective, _ x: [Double], _ gradient: inout [Double]) throws(AladynError) -> Double {
        let value = objective.valueAndGradient(x, &gradient)
        guard value.isFinite else {
            throw .invalidValue(what: "the ALADYN objective", value: "\(value)", requirement: "finite (the fit diverged; try a smaller learning rate)")
        }
        return value
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }
}
