/// The No-U-Turn sampler: Stan's dynamic HMC with multinomial trajectory sampling, the
/// generalized no-U-turn criterion, dual-averaging step size and windowed metric adaptation
/// (see ``NoUTurnSampler``, ``DualAveraging``, ``AdaptationWindows``, ``MetricAdaptation``).
public enum NUTS {
    /// Runs `settings.chains` chains of NUTS on `density` in parallel on the available cores.
    ///
    /// Chain k works on its own copy of `density` with random stream k of
    /// `RandomSource.streams(seed: settings.seed, count: settings.chains)`, so the draws depend
    /// only on the seed, never on thread scheduling. `progress` (if any) is called from the
    /// worker threads about every 1 % of each chain's iterations. BLAS runs on one thread in
    /// every chain, a single chain too: a gradient's BLAS calls are small, and OpenBLAS's
    /// spinning workers cost more than they save (one chain on InstEval's subset density spent
    /// 45% of its CPU time yielding in them, for the same wall time).
    ///
    /// Throws ``SamplingError`` for invalid settings, a zero-dimensional density, a start where
    /// the density or gradient is not finite, or a failure of adaptation (the first failing
    /// chain's error, by chain index).
    public static func sample<Density: LogDensity>(
        _ density: Density, settings: SamplerSettings = SamplerSettings(),
        progress: (@Sendable (SamplingProgress) -> Void)? = nil
    ) throws(SamplingError) -> SamplingResult {
        let clock = ContinuousClock()
        let start = clock.now
        try settings.validate(dimension: density.dimension)
        let streams = RandomSource.streams(seed: settings.seed, count: settings.chains)
        let outcomes = BLAS.singleThreaded {
            concurrentMap(count: settings.chains) { chain -> Result<ChainResult, SamplingError> in
                do throws(SamplingError) {
                    return .success(try NUTSChain.run(
                        chain: chain, density: density, settings: settings, random: streams[chain],
                        progress: progress))
                } catch {
                    return .failure(error)
                }
            }
        }
        var chains: [ChainResult] = []
        for outcome in outcomes {
            switch outcome {
            case .success(let result): chains.append(result)
            case .failure(let error): throw error
            }
        }
        return SamplingResult(
            settings: settings, dimension: density.dimension, chains: chains,
            wallSeconds: NUTSChain.seconds(clock.now - start))
    }
}
