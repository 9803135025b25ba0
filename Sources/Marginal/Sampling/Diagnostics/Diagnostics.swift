/// Convergence diagnostics and Monte Carlo error of one scalar quantity, from its draws
/// `draws[chain][draw]` (all chains of the same length), exactly as defined by Vehtari, Gelman,
/// Simpson, Carpenter & Bürkner (2021), "Rank-normalization, folding, and localization: an
/// improved R̂ for assessing convergence of MCMC", and as computed by the `posterior` R package
/// (`rhat`, `ess_bulk`, `ess_tail`, `mcse_mean`) and ArviZ (`rhat(method="rank")`,
/// `ess(method="bulk"/"tail")`, `mcse(method="mean")`).
///
/// Every function returns NaN, rather than failing, when the draws cannot support it: no
/// chains, chains of different lengths, fewer than 4 draws per chain, a non-finite draw, or
/// all draws equal.
public enum Diagnostics {
    /// Rank-normalized split R̂: the larger of the split R̂ of the rank-normalized draws (bulk)
    /// and of the rank-normalized folded draws |x − median| (tail). Values above 1.01 suggest
    /// the chains have not mixed.
    public static func rhat(_ draws: [[Double]]) -> Double {
        let x = ChainDraws(values: draws)
        guard x.isUsable(minimumDraws: 4) else { return .nan }
        let bulk = PotentialScaleReduction.basic(x.split().rankNormalized())
        let tail = PotentialScaleReduction.basic(x.folded().split().rankNormalized())
        return max(bulk, tail)
    }

    /// Bulk effective sample size: the ESS of the rank-normalized split chains (a measure of
    /// how well the centre of the distribution is estimated; ``EffectiveSampleSize``).
    public static func essBulk(_ draws: [[Double]]) -> Double {
        let x = ChainDraws(values: draws)
        guard x.isUsable(minimumDraws: 4) else { return .nan }
        return EffectiveSampleSize.of(x.split().rankNormalized())
    }

    /// Tail effective sample size: the smaller ESS of the indicators I(x ≤ Q(0.05)) and
    /// I(x ≤ Q(0.95)) on split chains, Q the type-7 sample quantile of all draws.
    public static func essTail(_ draws: [[Double]]) -> Double {
        min(essQuantile(draws, probability: 0.05), essQuantile(draws, probability: 0.95))
    }

    /// ESS of the quantile Q(p): the ESS of the split-chain indicators I(x ≤ Q(p)).
    public static func essQuantile(_ draws: [[Double]], probability p: Double) -> Double {
        let x = ChainDraws(values: draws)
        guard x.isUsable(minimumDraws: 4), p >= 0, p <= 1 else { return .nan }
        let q = SampleQuantile.value(sorted: x.pooled.sorted(), probability: p)
        return EffectiveSampleSize.of(x.map { $0 <= q ? 1 : 0 }.split())
    }

    /// ESS for the mean: the ESS of the split chains of the draws themselves (not rank
    /// normalized), the one that governs the error of the posterior mean.
    public static func essMean(_ draws: [[Double]]) -> Double {
        let x = ChainDraws(values: draws)
        guard x.isUsable(minimumDraws: 4) else { return .nan }
        return EffectiveSampleSize.of(x.split())
    }

    /// Monte Carlo standard error of the mean: sd(x)/√ESS_mean, sd over all draws with
    /// denominator n − 1.
    public static func mcseMean(_ draws: [[Double]]) -> Double {
        let x = ChainDraws(values: draws)
        guard x.isUsable(minimumDraws: 4) else { return .nan }
        return SampleMoments.variance(x.pooled).squareRoot() / essMean(draws).squareRoot()
    }

    /// The type-7 sample quantile (R's default, numpy's "linear") of all draws pooled.
    public static func quantile(_ draws: [[Double]], probability p: Double) -> Double {
        let pooled = draws.flatMap { $0 }
        guard pooled.allSatisfy(\.isFinite) else { return .nan }
        return SampleQuantile.value(sorted: pooled.sorted(), probability: p)
    }

    /// Rank-normalized split R̂ restricted to the bulk (no folding), reported separately by
    /// some tools.
    public static func rhatBulk(_ draws: [[Double]]) -> Double {
        let x = ChainDraws(values: draws)
        guard x.isUsable(minimumDraws: 4) else { return .nan }
        return PotentialScaleReduction.basic(x.split().rankNormalized())
    }

    /// The classic split R̂ on the draws themselves, without rank normalization or folding
    /// (`posterior::rhat_basic`).
    public static func rhatBasic(_ draws: [[Double]]) -> Double {
        let x = ChainDraws(values: draws)
        guard x.isUsable(minimumDraws: 4) else { return .nan }
        return PotentialScaleReduction.basic(x.split())
    }
}
