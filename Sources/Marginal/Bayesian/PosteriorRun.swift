import Foundation

/// One sampling run of any model family: NUTS on a posterior density, then recovery of the
/// random effects and the summaries.
struct PosteriorRun: Sendable {
    let design: ModelDesign
    let blocks: [RandomEffectBlock]
    let strategy: SamplingStrategy
    let settings: SamplerSettings
    let recover: Bool
    let keepEffectDraws: Bool
    let progress: (@Sendable (SamplingProgress) -> Void)?
    /// The family of a generalized model, recorded in the sample.
    var family: String? = nil

    var effectsLayout: RandomEffectsLayout { RandomEffectsLayout(blocks: blocks) }

    /// NUTS on `density`; with `laplaceStart` (and no starting points or metric in the settings)
    /// warmup starts from the Laplace approximation over the global coordinates (``LaplaceStart``).
    func sample<Density: MixedModelPosteriorDensity>(
        _ density: Density, priors: [PosteriorSample.PriorEntry], globalCount: Int, laplaceStart: Bool = false
    ) throws(BayesianError) -> PosteriorSample {
        let clock = ContinuousClock()
        let laplaceClock = clock.now
        var settings = self.settings
        settings.globalCount = globalCount
        var startEvaluations = 0
        if laplaceStart, settings.initialPoints == nil, settings.initialInverseMetric == nil,
           let start = LaplaceStart.find(
               density, globalCount: globalCount, start: [Double](repeating: 0, count: globalCount),
               base: [Double](repeating: 0, count: density.dimension))
        {
            var random = RandomSource(seed: settings.seed ^ 0x1A_B1ACE_5EED)
            settings.initialPoints = start.startingPoints(
                chains: settings.chains, globalCount: globalCount, radius: settings.initRadius, random: &random)
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
            formula: design.formula, nobs: design.nobs, strategy: strategy, priors: priors,
            parameters: parameters, globalDraws: globalDraws,
            randomEffects: recovered?.summaries ?? [], randomEffectDraws: recovered?.draws ?? [],
            randomEffectNames: recover ? effectsLayout.names : [],
            sampling: result, samplingSeconds: laplaceSeconds + result.wallSeconds, recoverySeconds: recoverySeconds,
            warnings: design.warnings + SamplingWarnings.warnings(for: result, parameters: parameters),
            startEvaluations: startEvaluations)
        sample.family = family
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
