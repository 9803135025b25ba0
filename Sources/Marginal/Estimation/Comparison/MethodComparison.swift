import Foundation

/// One method's outcome in a comparison.
public struct MethodResult: Sendable {
    public var method: EstimationMethod
    /// Nil when the method failed (its error is the first warning).
    public var estimates: GlobalEstimates?
    /// The method's objective (``EstimationMethod/objectiveName``); nil for NUTS and failures.
    public var objective: Double?
    public var seconds: Double
    public var warnings: [String]
    /// What the numbers are (e.g. posterior means from so many draws).
    public var notes: [String] = []
    /// Joint MAP's gradient flow (nil for the other methods).
    public var gradientFlow: GradientFlow? = nil
    /// The objective as the method went (``EstimationMethod/objectiveName``): per evaluation for
    /// ML and REML, per accepted iterate for EM, per ELBO estimate for VI; empty for the others.
    public var objectiveTrace: [IterationValue] = []
    /// NUTS only: the 95 % central posterior interval of every reported parameter (named as
    /// ``ParameterNames``, in the bootstrap's interval shape).
    public var intervals: [BootstrapIntervals.Interval] = []
}

extension MethodResult {
    /// A joint MAP fit's row: its estimates, F at the end point, warnings and gradient flow.
    init(_ method: EstimationMethod, jointMAP fit: JointMAPFit, notes: [String] = []) {
        self.init(
            method: method, estimates: fit.estimates, objective: fit.objective, seconds: fit.seconds, warnings: fit.warnings,
            notes: notes, gradientFlow: fit.gradientFlow)
    }

    /// A mean-field VI fit's row: means under q, the last ELBO and its trace, q's intervals.
    init(_ method: EstimationMethod, variational fit: VariationalFit, notes: [String] = []) {
        self.init(
            method: method, estimates: fit.estimates, objective: fit.advi.elbo, seconds: fit.seconds, warnings: fit.warnings,
            notes: notes + ["means under the mean-field q, which understates posterior SDs where the posterior is correlated; "
                + "ADVI ran \(fit.advi.iterations) iterations"],
            objectiveTrace: fit.advi.trace.map { IterationValue(iteration: $0.iteration, value: $0.elbo) },
            intervals: fit.intervals)
    }
}

/// A value at an iteration (an objective's trace).
public struct IterationValue: Sendable, Equatable {
    public var iteration: Int
    public var value: Double

    public init(iteration: Int, value: Double) {
        self.iteration = iteration
        self.value = value
    }
}

/// The outcomes of several estimation methods on one model (`marginal compare`).
public struct MethodComparison: Sendable {
    public var formula: String
    public var observations: Int
    /// Warnings about the model itself (``ModelDesign/warnings``: dropped aliased columns, a
    /// one-level grouping factor, …), shown once rather than under every method.
    public var warnings: [String] = []
    public var results: [MethodResult]
}

extension LinearMixedModel: MixedModel {
    /// Every method but penalized quasi-likelihood, which for a Gaussian model is ML itself. EM,
    /// joint MAP and ADVI read θ as λ's elements, so a model with a glmmTMB structure such as
    /// `ar1(...)` has ML, REML and NUTS.
    public var estimationMethods: [EstimationMethod] {
        let methods = EstimationMethod.allCases.filter { $0 != .pql && $0 != .nutsLaplace }
        return thetaLayout.isUnstructured ? methods : methods.filter { [.reml, .ml, .nuts].contains($0) }
    }

    /// The priors must name the model's parameters.
    public func validate(_ settings: ComparisonSettings) throws {
        var layout = MixedModelParameterization(model: self)
        try layout.setPriors(settings.priors)
    }

    public func estimate(_ method: EstimationMethod, settings: ComparisonSettings) throws -> MethodResult {
        switch method {
        case .reml, .ml:
            let fit = try fit(criterion: method == .reml ? .reml : .ml)
            return MethodResult(
                method: method, estimates: GlobalEstimates(fit: fit), objective: fit.objective, seconds: fit.seconds, warnings: fit.warnings,
                objectiveTrace: fit.optimization.log.enumerated().map { IterationValue(iteration: $0.offset + 1, value: $0.element.objective) })
        case .em:
            let fit = try fitEM(EMOptions(criterion: .ml))
            return MethodResult(
                method: method, estimates: GlobalEstimates(fit: fit.estimates), objective: fit.objective, seconds: fit.seconds, warnings: fit.warnings,
                objectiveTrace: fit.objectiveTrace.enumerated().map { IterationValue(iteration: $0.offset, value: $0.element) })
        case .map, .mapNonCentered:
            return MethodResult(method, jointMAP: try fitJointMAP(JointMAPOptions(parameterization: method == .map ? .centered : .nonCentered, priors: settings.priors)))
        case .vi, .viJoint:
            return MethodResult(method, variational: try fitMeanFieldVI(
                target: method == .vi ? .marginalized : .jointNonCentered, options: ADVIOptions(seed: settings.seed), priors: settings.priors))
        case .pql, .nutsLaplace:
            throw EstimationError.invalidOption(
                name: "method", value: method.rawValue,
                requirement: "a generalized model's (for a linear model it is \(method == .pql ? "ML" : "nuts, whose integral is exact"))")
        case .nuts:
            let posterior = try posteriorMeans(settings: settings)
            return MethodResult(
                method: method, estimates: posterior.estimates, objective: nil, seconds: posterior.seconds, warnings: posterior.warnings,
                notes: ["posterior means from \(settings.chains) chains × \(settings.draws) draws after \(settings.warmup) warmup"],
                intervals: posterior.intervals)
        }
    }

    /// NUTS on the marginalized density (``BayesianMixedModel`` with ``SamplingStrategy/marginalizeAll``,
    /// no recovery of the random effects) from the ML estimate: posterior means of β, σ, the SDs
    /// and correlations, with posterior SDs of β as standard errors, the 95 % central posterior
    /// intervals, and the sampler's warnings.
    func posteriorMeans(settings: ComparisonSettings) throws -> (
        estimates: GlobalEstimates, seconds: Double, warnings: [String], intervals: [BootstrapIntervals.Interval]
    ) {
        var bayesian = BayesianMixedModel(model: self)
        try bayesian.setPriors(settings.priors)
        let start = try maximumLikelihoodStart(layout: bayesian.layout)
        let posterior = try bayesian.sample(
            settings: SamplerSettings(chains: settings.chains, warmup: settings.warmup, draws: settings.draws, seed: settings.seed, initialPoints: [start.globals]),
            recover: false)
        guard let estimates = GlobalEstimates(layout: bayesian.layout, meanOver: posterior.sampling.chains.flatMap(\.draws)) else {
            throw EstimationError.invalidOption(name: "draws", value: "0", requirement: "at least 1")
        }
        return (estimates, posterior.samplingSeconds, posterior.warnings, posterior.centralIntervals(level: 0.95))
    }
}
