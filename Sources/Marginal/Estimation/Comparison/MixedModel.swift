import Foundation

/// What every model family gives the commands that take any model: its design, the estimation
/// methods that apply to it, one method's run in the common form of ``MethodResult`` (with
/// ``GlobalEstimates``, whose dispersion σ is optional), and draws from its posterior. `compare`,
/// `sample` and their outputs are written against this protocol only, so a new family (a
/// generalized linear mixed model, a structured covariance) conforms and needs no edits to them.
public protocol MixedModel: Sendable {
    var design: ModelDesign { get }
    /// The methods that apply, in order; `compare` runs those that
    /// ``EstimationMethod/runsByDefault`` unless others are named.
    var estimationMethods: [EstimationMethod] { get }
    /// Checks the settings (priors for the Bayesian methods) before anything runs.
    func validate(_ settings: ComparisonSettings) throws
    /// Runs one method; throws for a method that does not apply or fails.
    func estimate(_ method: EstimationMethod, settings: ComparisonSettings) throws -> MethodResult
    /// Draws from the posterior by NUTS as `request` asks (`marginal sample`); `progress` is
    /// called from the chains' threads.
    func samplePosterior(_ request: PosteriorRequest, progress: (@Sendable (SamplingProgress) -> Void)?) throws(BayesianError) -> PosteriorSample
}

extension MixedModel {
    /// Fits the model by each method in `methods`, in order. A method that fails does not stop
    /// the others: its result has no estimates and the error as its warning. The model's own
    /// warnings go to ``MethodComparison/warnings``, not to each method's.
    ///
    /// - Parameter progress: called before each method starts.
    public func compare(
        _ methods: [EstimationMethod]? = nil, settings: ComparisonSettings = ComparisonSettings(),
        progress: ((EstimationMethod) -> Void)? = nil
    ) -> MethodComparison {
        let results = (methods ?? estimationMethods.filter(\.runsByDefault)).map { method -> MethodResult in
            progress?(method)
            let clock = ContinuousClock()
            let started = clock.now
            do {
                var result = try estimate(method, settings: settings)
                if result.seconds == 0 { result.seconds = started.duration(to: clock.now).seconds }
                result.warnings.removeAll { design.warnings.contains($0) }
                return result
            } catch {
                return MethodResult(
                    method: method, estimates: nil, objective: nil, seconds: started.duration(to: clock.now).seconds,
                    warnings: ["\(method.rawValue) failed: \(error)"])
            }
        }
        return MethodComparison(formula: design.formula, observations: design.nobs, warnings: design.warnings, results: results)
    }
}
