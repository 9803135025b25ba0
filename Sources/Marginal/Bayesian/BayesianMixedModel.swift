import Foundation

/// A linear mixed model with priors, ready to be sampled by NUTS under any
/// ``SamplingStrategy``:
///
///     var model = try BayesianMixedModel(model: LinearMixedModel(formula: "Reaction ~ Days + (Days | Subject)", data: sleepstudy))
///     try model.setPriors(["sigma=half-normal(50)"])
///     let posterior = try model.sample(settings: SamplerSettings(seed: 7))
///
/// The priors default to weakly informative ones scaled to the data (``MixedModelPriors``).
public struct BayesianMixedModel: Sendable {
    public let model: LinearMixedModel
    public var strategy: SamplingStrategy
    /// The global parameters' layout and priors.
    public private(set) var layout: MixedModelParameterization
    /// The `NAME=DISTRIBUTION` settings applied so far, in order.
    public private(set) var priorSettings: [String] = []

    /// A model to sample with `strategy` (`marginal sample` passes
    /// ``SamplingStrategy/automatic(for:)`` by default).
    public init(model: LinearMixedModel, strategy: SamplingStrategy = .marginalizeAll) {
        self.model = model
        self.strategy = strategy
        layout = MixedModelParameterization(model: model)
    }

    /// Overrides priors from `NAME=DISTRIBUTION` settings (``MixedModelParameterization/setPriors(_:)``).
    public mutating func setPriors(_ settings: [String]) throws(PriorError) {
        try layout.setPriors(settings)
        priorSettings += settings
    }

    /// Runs NUTS on the strategy's density and, if `recover` is true, draws every random effect
    /// for every posterior draw; `keepEffectDraws` keeps those draws (for `--draws-out`).
    /// `progress` is called from the chains' threads.
    public func sample(
        settings: SamplerSettings, recover: Bool = true, keepEffectDraws: Bool = false,
        progress: (@Sendable (SamplingProgress) -> Void)? = nil
    ) throws(BayesianError) -> PosteriorSample {
        if layout.hasStructuredParts {
            guard case .marginalizeAll = strategy else {
                throw .strategy("with a covariance structure such as ar1(...), sampling integrates every random effect out: use --marginalize all")
            }
        }
        let run = PosteriorRun(design: model.design, blocks: model.blocks, strategy: strategy, settings: settings, recover: recover,
                               keepEffectDraws: keepEffectDraws, progress: progress)
        do {
            switch strategy {
            case .marginalizeAll:
                return try run.sample(MarginalizedMixedModelDensity(model: model, parameterization: layout), priors: layout.priorEntries, globalCount: layout.dimension)
            case .marginalizeOne(let group, let effects):
                let density = try OneClassMarginalizedDensity(model: model, marginalizing: group, effects: effects, parameterization: layout)
                return try run.sample(density, priors: layout.priorEntries, globalCount: layout.dimension, laplaceStart: density.standardizesSampledEffects)
            case .marginalizeSubset(let groups, let effects):
                let density = try SubsetMarginalizedDensity(model: model, marginalizing: groups, effects: effects, parameterization: layout)
                return try run.sample(density, priors: layout.priorEntries, globalCount: layout.dimension, laplaceStart: density.standardizesSampledEffects)
            case .marginalizeNone(let effects):
                return try run.sample(JointMixedModelDensity(model: model, effects: effects, parameterization: layout), priors: layout.priorEntries, globalCount: layout.dimension)
            case .quadrature, .laplace:
                throw BayesianError.strategy("quadrature and the Laplace approximation integrate a generalized model's random effects out; this is a linear mixed model, whose effects are integrated out exactly (--marginalize all)")
            case .knownCovariance(let specification):
                var density = try KnownCovarianceDensity(design: model.design, covariance: specification)
                try density.setPriors(priorSettings)
                return try run.sample(density, priors: density.parameterization.priorEntries, globalCount: density.parameterization.dimension)
            }
        } catch let error as BayesianError {
            throw error
        } catch {
            throw .strategy(String(describing: error))
        }
    }
}

/// Why sampling could not run.
public enum BayesianError: Error, Equatable, Sendable, CustomStringConvertible {
    case sampling(SamplingError)
    /// The strategy does not fit the model (unknown group, unsuitable known SDs, ...).
    case strategy(String)
    /// A prior setting names no parameter or no distribution.
    case prior(PriorError)
    /// The draws would not fit in the memory the run may use.
    case drawsTooLarge(chains: Int, draws: Int, valuesPerDraw: Int, bytes: Double, available: Double, withEffects: Bool)

    public var description: String {
        switch self {
        case .sampling(let error): return error.description
        case .strategy(let message): return message
        case .prior(let error): return error.description
        case .drawsTooLarge(let chains, let draws, let values, let bytes, let available, let withEffects):
            return "\(chains) chains × \(draws) draws × \(values) values would need \(Int(bytes / 1e9)) GB for the draws, more than the \(Int(available / 1e9)) GB this run may use; ask for fewer draws or chains\(withEffects ? ", or --no-recover" : "")"
        }
    }
}

extension MixedModelParameterization {
    /// The priors as the sample reports them.
    var priorEntries: [PosteriorSample.PriorEntry] {
        namedPriors.map {
            PosteriorSample.PriorEntry(
                name: $0.name, prior: $0.prior, userSet: priors.userSet.contains($0.name),
                on: $0.name == "b[(Intercept)]" ? interceptPriorTarget : nil)
        }
    }
}
