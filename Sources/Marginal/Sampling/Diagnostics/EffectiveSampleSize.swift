#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The effective sample size of M chains of N draws each, as defined by Vehtari et al. (2021,
/// §3.2) and computed by `posterior`'s internal `.ess` (the same steps as ArviZ's `_ess`):
///
/// 1. Per chain m, autocovariances γ̂_{m,t} (biased, by FFT; ``Autocovariance``); their mean over
///    chains is γ̄_t.
/// 2. W = γ̄_0·N/(N − 1) (mean within-chain variance) and
///    var⁺ = W·(N − 1)/N + B/N, B/N the sample variance of the chain means (M > 1 only).
/// 3. ρ̂_t = 1 − (W − γ̄_t)/var⁺.
/// 4. Geyer's initial positive sequence: pairs P_k = ρ̂_{2k} + ρ̂_{2k+1} are kept while their sum
///    is positive (a negative pair is not stored; the scan stops after it), the last pair
///    scanned starting at lag N − 4 at most; T is the even lag where the scan stopped, and
///    ρ̂_T is kept if positive (the "improved" estimate, which lowers the variance for
///    antithetic chains).
/// 5. Geyer's initial monotone sequence: a pair larger than its predecessor is replaced by the
///    predecessor's value.
/// 6. τ̂ = −1 + 2·Σ_{t<T} ρ̂_t + ρ̂_T, bounded below by 1/log₁₀(MN) so that the ESS never exceeds
///    MN·log₁₀(MN); ESS = MN/τ̂.
///
/// Returns NaN for fewer than 3 draws per chain, unequal chains, non-finite values or constant
/// draws.
enum EffectiveSampleSize {
    static func of(_ draws: ChainDraws) -> Double {
        let m = draws.chainCount
        let n = draws.drawCount
        guard n >= 3, draws.isUsable(minimumDraws: 3) else { return .nan }
        let nd = Double(n)

        var meanAutocovariance = [Double](repeating: 0, count: n)
        var chainMeans = [Double](repeating: 0, count: m)
        for (c, chain) in draws.values.enumerated() {
            let gamma = Autocovariance.biased(chain)
            for t in 0..<n { meanAutocovariance[t] += gamma[t] }
            chainMeans[c] = chain.reduce(0, +) / nd
        }
        for t in 0..<n { meanAutocovariance[t] /= Double(m) }

        let meanVariance = meanAutocovariance[0] * nd / (nd - 1)
        var variancePlus = meanVariance * (nd - 1) / nd
        if m > 1 { variancePlus += SampleMoments.variance(chainMeans) }

        func rho(_ t: Int) -> Double { 1 - (meanVariance - meanAutocovariance[t]) / variancePlus }

        var rhoHat = [Double](repeating: 0, count: n)
        var t = 0
        var rhoEven = 1.0
        var rhoOdd = rho(1)
        rhoHat[0] = rhoEven
        rhoHat[1] = rhoOdd
        while t < n - 5, !(rhoEven + rhoOdd).isNaN, rhoEven + rhoOdd > 0 {
            t += 2
            rhoEven = rho(t)
            rhoOdd = rho(t + 1)
            if rhoEven + rhoOdd >= 0 {
                rhoHat[t] = rhoEven
                rhoHat[t + 1] = rhoOdd
            }
        }
        let maxT = t
        if rhoEven > 0 { rhoHat[maxT] = rhoEven }

        t = 0
        while t <= maxT - 4 {
            t += 2
            if rhoHat[t] + rhoHat[t + 1] > rhoHat[t - 2] + rhoHat[t - 1] {
                rhoHat[t] = (rhoHat[t - 2] + rhoHat[t - 1]) / 2
                rhoHat[t + 1] = rhoHat[t]
            }
        }

        let total = Double(m * n)
        var tau = -1 + rhoHat[maxT]
        for k in 0..<maxT { tau += 2 * rhoHat[k] }
        guard !tau.isNaN else { return .nan }
        tau = max(tau, 1 / log10(total))
        return total / tau
    }
}
