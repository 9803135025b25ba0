/// The potential scale reduction factor R̂ of Gelman & Rubin (1992) in the form of Vehtari et
/// al. (2021, §3.1, eq. 4): for M chains of N draws with chain means x̄_m and chain variances
/// s²_m (denominator N − 1), B = N·var(x̄_m) and W = mean(s²_m), and
/// R̂ = √(((N − 1)/N·W + B/N)/W) = √((B/W + N − 1)/N).
/// NaN for unusable input (see ``ChainDraws/isUsable(minimumDraws:)``).
enum PotentialScaleReduction {
    static func basic(_ draws: ChainDraws) -> Double {
        guard draws.chainCount > 1, draws.isUsable(minimumDraws: 2) else { return .nan }
        let n = Double(draws.drawCount)
        let means = draws.values.map(SampleMoments.mean)
        let within = SampleMoments.mean(draws.values.map(SampleMoments.variance))
        let between = n * SampleMoments.variance(means)
        return ((between / within + n - 1) / n).squareRoot()
    }
}
