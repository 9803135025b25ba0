import Foundation

extension GeneralizedLinearMixedModel: MixedModel {
    /// Maximum likelihood by the Laplace approximation (or adaptive quadrature with
    /// ``ComparisonSettings/quadraturePoints``) and penalized quasi-likelihood; the other methods
    /// are not written for non-Gaussian responses yet, and REML is not defined for them.
    public var estimationMethods: [EstimationMethod] { [.ml, .pql] }

    /// No method that applies takes settings.
    public func validate(_ settings: ComparisonSettings) throws {}

    public func estimate(_ method: EstimationMethod, settings: ComparisonSettings) throws -> MethodResult {
        guard estimationMethods.contains(method) else {
            throw EstimationError.invalidOption(
                name: "method", value: method.rawValue,
                requirement: "one that applies to a \(family.name) model (\(estimationMethods.map(\.rawValue).joined(separator: ", ")))")
        }
        if method == .pql {
            let fit = try fitPQL()
            return MethodResult(
                method: method, estimates: GlobalEstimates(pql: fit), objective: nil, seconds: fit.seconds,
                warnings: fit.converged ? [] : ["penalized quasi-likelihood did not settle in \(fit.iterations) working fits"],
                notes: ["\(fit.iterations) working LMM fits; working residual SD \(NumberFormat.significant(fit.residualScale, 4))"])
        }
        let fit = try fit(nAGQ: settings.quadraturePoints)
        return MethodResult(method: method, estimates: GlobalEstimates(fit: fit), objective: fit.objective, seconds: fit.seconds, warnings: fit.warnings)
    }

    /// No posterior sampler is written for a non-Gaussian response yet: refused, naming the fit
    /// that does apply.
    public func samplePosterior(
        _ request: PosteriorRequest, progress: (@Sendable (SamplingProgress) -> Void)?
    ) throws(BayesianError) -> PosteriorSample {
        throw .familyNotSampled(family: family.name)
    }
}

extension GlobalEstimates {
    /// Penalized quasi-likelihood's estimates (the working model's SDs; no dispersion).
    init(pql fit: PenalizedQuasiLikelihoodFit) {
        fixedEffectNames = fit.fixedEffects.map(\.name)
        beta = fit.fixedEffects.map(\.estimate)
        betaStandardErrors = fit.fixedEffects.map(\.standardError)
        sigma = nil
        varianceComponents = fit.varianceComponents
    }

    /// A generalized fit's estimates: no dispersion for binomial and Poisson.
    init(fit: GeneralizedLinearMixedModelFit) {
        fixedEffectNames = fit.fixedEffects.map(\.name)
        beta = fit.fixedEffects.map(\.estimate)
        betaStandardErrors = fit.fixedEffects.map(\.standardError)
        sigma = nil
        varianceComponents = fit.varianceComponents
    }
}
