/// One of the arms run on a model (``AladynExample/Method``): the published Adam in the centred or
/// non-centred form from the published start, either continued to convergence by L-BFGS, or the
/// marginal method from the same start. Shared by the simulation study and by fits to data files (``AladynDataFit``).
extension AladynExample.Method {
    /// The arm's fit from `start` (centred); `earlier` holds fits already made in this run, so that
    /// an L-BFGS arm continues its Adam arm's result instead of running it again. `progress`
    /// receives the marginal method's evaluations.
    func fit(
        _ model: AladynModel, start: AladynParameters, epochs: Int, learningRate: Double, lbfgsEvaluations: Int,
        earlier: [AladynExample.Method: AladynFit] = [:], progress: ((String) -> Void)? = nil
    ) throws(AladynError) -> AladynFit {
        switch self {
        case .marginal:
            return try AladynFit.marginal(model, start: start, maximumEvaluations: lbfgsEvaluations) { progress?($0.description) }
        case .map:
            return try AladynFit.adam(model, start: start, epochs: epochs, learningRate: learningRate)
        case .mapNonCentred:
            return try AladynFit.adam(model, start: try model.converted(start, to: .nonCentred), epochs: epochs, learningRate: learningRate)
        case .mapConverged, .mapNonCentredConverged:
            let arm: AladynExample.Method = self == .mapConverged ? .map : .mapNonCentred
            let from: AladynFit
            if let fit = earlier[arm] {
                from = fit
            } else {
                from = try arm.fit(model, start: start, epochs: epochs, learningRate: learningRate, lbfgsEvaluations: lbfgsEvaluations)
            }
            var converged = try AladynFit.lbfgs(model, start: from.parameters, maximumEvaluations: lbfgsEvaluations)
            converged.seconds += from.seconds
            return converged
        }
    }
}
