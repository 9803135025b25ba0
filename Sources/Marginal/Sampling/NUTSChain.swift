#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One NUTS chain from start to finish, in the order Stan's `run_adaptive_sampler` uses:
/// find a starting point, initialize the step size, then `warmup` adaptive transitions — each
/// followed by a dual-averaging update of ε and a metric-adaptation step; when a slow window
/// closes, the new metric is installed, ε re-initialized, μ = log(10ε) and dual averaging
/// restarted — then ε = e^{x̄} and `draws` transitions with ε and the metric fixed.
///
/// With warmup = 0 there is no adaptation: the chain samples with the starting metric (the unit
/// metric unless ``SamplerSettings/initialInverseMetric`` gives one) and the step size found by
/// the initialization heuristic.
enum NUTSChain {
    static func run<Density: LogDensity>(
        chain: Int, density: Density, settings: SamplerSettings, random: RandomSource,
        progress: (@Sendable (SamplingProgress) -> Void)?
    ) throws(SamplingError) -> ChainResult {
        let clock = ContinuousClock()
        let warmupStart = clock.now
        let dimension = density.dimension
        var random = random
        let denseCount = settings.metric.denseCount(dimension: dimension, globalCount: settings.globalCount)
        let start = settings.initialInverseMetric.map { InverseMetric(denseCount: denseCount, variances: $0) }
            ?? InverseMetric.identity(dimension: dimension, denseCount: denseCount)
        guard let startMetric = EuclideanMetric(start) else { throw .zeroDimension }
        var hamiltonian = Hamiltonian(density: density, metric: startMetric)

        let given = settings.initialPoints.map { $0.count == 1 ? $0[0] : $0[chain] }
        var point = try hamiltonian.initialPoint(
            given: given, radius: settings.initRadius, attempts: settings.initAttempts,
            chain: chain, random: &random)
        let initialPosition = point.position

        var sampler = NoUTurnSampler(
            hamiltonian: hamiltonian, stepSize: settings.initialStepSize,
            maxDepth: settings.maxTreeDepth, random: random)
        try sampler.initializeStepSize(at: point, chain: chain)

        let total = settings.warmup + settings.draws
        let reportEvery = max(1, total / 100)
        func report(_ phase: SamplingPhase, _ iteration: Int, _ divergences: Int, last: Bool) {
            guard let progress, last || iteration % reportEvery == 0 else { return }
            progress(SamplingProgress(
                chain: chain, phase: phase, iteration: iteration, total: total, divergences: divergences))
        }

        var dualAveraging = DualAveraging(
            mu: log(10 * settings.initialStepSize), delta: settings.targetAcceptance)
        var metricAdaptation = MetricAdaptation(
            warmup: settings.warmup, dimension: dimension, denseCount: denseCount,
            shrinkingTowardsCurrent: settings.initialInverseMetric != nil)
        var warmupStatistics: [IterationStatistics] = []
        warmupStatistics.reserveCapacity(settings.warmup)
        var warmupDraws: [[Double]] = []
        warmupDraws.reserveCapacity(settings.warmup)
        var divergences = 0
        for iteration in 0..<settings.warmup {
            let (next, statistics) = sampler.transition(from: point)
            point = next
            warmupDraws.append(point.position)
            warmupStatistics.append(statistics)
            if statistics.divergent { divergences += 1 }

            sampler.stepSize = dualAveraging.update(acceptStat: statistics.acceptStat)
            if let inverse = try metricAdaptation.learn(
                position: point.position, current: sampler.hamiltonian.metric.inverse, chain: chain)
            {
                guard let metric = EuclideanMetric(inverse) else { throw .metricOverflow(chain: chain) }
                sampler.hamiltonian.metric = metric
                try sampler.initializeStepSize(at: point, chain: chain)
                dualAveraging.mu = log(10 * sampler.stepSize)
                dualAveraging.restart()
            }
            report(.warmup, iteration + 1, divergences, last: iteration + 1 == settings.warmup)
        }
        if settings.warmup > 0 { sampler.stepSize = dualAveraging.finalStepSize }
        let samplingStart = clock.now

        var draws: [[Double]] = []
        draws.reserveCapacity(settings.draws)
        var statistics: [IterationStatistics] = []
        statistics.reserveCapacity(settings.draws)
        divergences = 0
        var treeDepthHits = 0
        for iteration in 0..<settings.draws {
            let (next, stats) = sampler.transition(from: point)
            point = next
            draws.append(point.position)
            statistics.append(stats)
            if stats.divergent { divergences += 1 }
            if stats.treeDepth >= settings.maxTreeDepth { treeDepthHits += 1 }
            report(
                .sampling, settings.warmup + iteration + 1, divergences,
                last: iteration + 1 == settings.draws)
        }
        let end = clock.now

        return ChainResult(
            chain: chain, draws: draws, warmupDraws: warmupDraws, statistics: statistics, warmupStatistics: warmupStatistics,
            initialPoint: initialPosition, stepSize: sampler.stepSize,
            inverseMetric: sampler.hamiltonian.metric.inverse,
            gradientEvaluations: sampler.hamiltonian.gradientEvaluations,
            warmupSeconds: seconds(samplingStart - warmupStart),
            samplingSeconds: seconds(end - samplingStart), treeDepthHits: treeDepthHits)
    }

    static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}
