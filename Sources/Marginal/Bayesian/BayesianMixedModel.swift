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
        do { try model.requireUnstructuredCovariance(for: "sampling") } catch { throw .strategy(error.description) }
        let run = Run(model: model, strategy: strategy, settings: settings, recover: recover,
                      keepEffectDraws: keepEffectDraws, progress: progress)
        do {
            switch strategy {
            case .marginalizeAll:
                return try run.sample(MarginalizedMixedModelDensity(model: model, parameterization: layout), layout: layout)
            case .marginalizeOne(let group, let effects):
                let density = try OneClassMarginalizedDensity(model: model, marginalizing: group, effects: effects, parameterization: layout)
                return try run.sample(density, layout: layout, laplaceStart: density.standardizesSampledEffects)
            case .marginalizeNone(let effects):
                return try run.sample(JointMixedModelDensity(model: model, effects: effects, parameterization: layout), layout: layout)
            case .knownCovariance(let specification):
                var density = try KnownCovarianceDensity(design: model.design, covariance: specification)
                try density.setPriors(priorSettings)
                return try run.sample(density, layout: density.parameterization)
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
    /// The model's family has no posterior sampler yet.
    case familyNotSampled(family: String)

    public var description: String {
        switch self {
        case .sampling(let error): return error.description
        case .strategy(let message): return message
        case .prior(let error): return error.description
        case .drawsTooLarge(let chains, let draws, let values, let bytes, let available, let withEffects):
            return "\(chains) chains × \(draws) draws × \(values) values would need \(Int(bytes / 1e9)) GB for the draws, more than the \(Int(available / 1e9)) GB this run may use; ask for fewer draws or chains\(withEffects ? ", or --no-recover" : "")"
        case .familyNotSampled(let family):
            return "posterior sampling is written for the gaussian family so far, not for a \(family) model; fit it by the Laplace approximation or adaptive quadrature with `marginal fit --family \(family)`"
        }
    }
}

/// One sampling run: NUTS on a density, then recovery of the random effects and summaries.
private struct Run: Sendable {
    let model: LinearMixedModel
    let strategy: SamplingStrategy
    let settings: SamplerSettings
    let recover: Bool
    let keepEffectDraws: Bool
    let progress: (@Sendable (SamplingProgress) -> Void)?

    var effectsLayout: RandomEffectsLayout { RandomEffectsLayout(blocks: model.blocks) }

    /// NUTS on `density`; with `laplaceStart` (and no starting points or metric in the settings)
    /// warmup starts from the Laplace approximation over the global coordinates (``LaplaceStart``).
    func sample<Density: MixedModelPosteriorDensity>(_ density: Density, layout: MixedModelParameterization, laplaceStart: Bool = false) throws(BayesianError) -> PosteriorSample {
        let clock = ContinuousClock()
        let laplaceClock = clock.now
        var settings = self.settings
        var startEvaluations = 0
        if laplaceStart, settings.initialPoints == nil, settings.initialInverseMetric == nil,
           let start = LaplaceStart.find(
               density, globalCount: layout.dimension, start: [Double](repeating: 0, count: layout.dimension),
               base: [Double](repeating: 0, count: density.dimension))
        {
            var random = RandomSource(seed: settings.seed ^ 0x1A_B1ACE_5EED)
            settings.initialPoints = start.startingPoints(
                chains: settings.chains, globalCount: layout.dimension, radius: settings.initRadius, random: &random)
            settings.initialInverseMetric = start.variances
            startEvaluations = start.evaluations
        }
        let laplaceSeconds = Self.seconds(laplaceClock.duration(to: clock.now))
        let result: SamplingResult
        do { result = try NUTS.sample(density, settings: settings, progress: progress) }
        catch { throw .sampling(error) }
        let names = density.globalNames
        let globalDraws = result.chains.map { chain in chain.draws.map { density.globalValues($0) } }
        let parameters = names.indices.map { j in
            ParameterSummary(name: names[j], draws: globalDraws.map { chain in chain.map { $0[j] } })
        }
        let start = clock.now
        let recovered = recover ? recoverEffects(density, result: result) : nil
        let recoverySeconds = recover ? Self.seconds(start.duration(to: clock.now)) : 0
        var sample = PosteriorSample(
            formula: model.design.formula, nobs: model.design.nobs, strategy: strategy,
            priors: layout.namedPriors.map {
                PosteriorSample.PriorEntry(
                    name: $0.name, prior: $0.prior, userSet: layout.priors.userSet.contains($0.name),
                    on: $0.name == "b[(Intercept)]" ? layout.interceptPriorTarget : nil)
            },
            parameters: parameters, globalDraws: globalDraws,
            randomEffects: recovered?.summaries ?? [], randomEffectDraws: recovered?.draws ?? [],
            randomEffectNames: recover ? effectsLayout.names : [],
            sampling: result, samplingSeconds: laplaceSeconds + result.wallSeconds, recoverySeconds: recoverySeconds,
            warnings: model.design.warnings + SamplingWarnings.warnings(for: result, parameters: parameters),
            startEvaluations: startEvaluations)
        sample.warmupGlobalDraws = result.chains.map { chain in chain.warmupDraws.map { density.globalValues($0) } }
        return sample
    }

    /// One draw of every random effect per posterior draw, chains in parallel, each with its own
    /// stream (seeded apart from the sampler's streams), accumulating means and variances by
    /// Welford's update.
    private func recoverEffects<Density: MixedModelPosteriorDensity>(_ density: Density, result: SamplingResult)
        -> (summaries: [PosteriorSample.RandomEffects], draws: [[[Double]]])
    {
        let count = effectsLayout.count
        let streams = RandomSource.streams(seed: settings.seed ^ 0x5EED_0F_EFFEC75, count: result.chains.count)
        let keep = keepEffectDraws
        let perChain = concurrentMap(count: result.chains.count) { c -> (moments: RunningMoments, draws: [[Double]]) in
            var density = density
            var random = streams[c]
            var moments = RunningMoments(dimension: count)
            var draws: [[Double]] = []
            density.recoverRandomEffects(for: result.chains[c].draws, count: count, using: &random) { effects in
                // A draw whose effects could not be evaluated (NaN) is left out as a whole.
                if !effects.contains(where: \.isNaN) { moments.add(effects) }
                if keep { draws.append(effects) }
            }
            return (moments, draws)
        }
        var pooled = RunningMoments(dimension: count)
        for chain in perChain { pooled.merge(chain.moments) }
        let sds = pooled.standardDeviations
        let summaries = effectsLayout.groups.map { group in
            let range = group.offset..<(group.offset + group.count)
            return PosteriorSample.RandomEffects(
                group: group.group, columnNames: group.columnNames, levels: group.levels,
                means: Array(pooled.means[range]), sds: Array(sds[range]))
        }
        return (summaries, keep ? perChain.map(\.draws) : [])
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}
