import Foundation

/// The logit prevalence μ_dt estimated from the outcomes alone, as the published preprocessing
/// does (`compute_smoothed_prevalence_at_risk`, reviewer_responses/preprocessing/preprocessing_utils.py):
/// the diagnosis rate among those at risk at each age, p_dt = #{E_id = t, diagnosed} / #{E_id ≥ t},
/// on the logit scale log((p + 10⁻⁸)/(1 − p + 10⁻⁸)), smoothed over ages with a Gaussian filter
/// of SD 5 ages (SciPy's `gaussian_filter1d`: radius ⌊4σ + ½⌋, reflected at the ends), turned
/// back into a prevalence p̃ = σ(smoothed) and then into μ_dt = log((p̃ + 10⁻⁸)/(1 − p̃ + 10⁻⁸)) as the
/// model does with any prevalence (`clust_huge_amp_vectorized.py` line 93; the round trip matters
/// where p̃ is near 10⁻⁸). An age with nobody at risk takes logit 0 before smoothing, as there.
public enum AladynPrevalence {
    public static func smoothedLogit(_ outcomes: AladynOutcomes, bandwidth sigma: Double = 5) -> [Double] {
        let (n, dCount, t) = (outcomes.individuals, outcomes.diseases, outcomes.ages)
        var raw = [Double](repeating: 0, count: dCount * t)
        for d in 0..<dCount {
            var atRisk = [Int](repeating: 0, count: t + 1)
            var events = [Int](repeating: 0, count: t)
            for i in 0..<n {
                let exit = outcomes.exitAges[i * dCount + d]
                atRisk[min(exit, t - 1)] += 1
                if outcomes.diagnosed[i * dCount + d] { events[exit] += 1 }
            }
            // #{E ≥ a} by a running sum from the end (E = T counts as at risk at every age).
            var cumulative = 0
            for a in stride(from: t - 1, through: 0, by: -1) {
                cumulative += atRisk[a]
                raw[d * t + a] = cumulative > 0 ? AladynModel.logit(prevalence: Double(events[a]) / Double(cumulative)) : 0
            }
        }
        guard sigma > 0 else { return raw }
        let radius = Int(4 * sigma + 0.5)
        var weights = (-radius...radius).map { exp(-0.5 * Double($0 * $0) / (sigma * sigma)) }
        let total = weights.reduce(0, +)
        for j in weights.indices { weights[j] /= total }
        var smoothed = raw
        for d in 0..<dCount {
            for a in 0..<t {
                var value = 0.0
                for j in -radius...radius { value += weights[j + radius] * raw[d * t + reflect(a + j, t)] }
                smoothed[d * t + a] = AladynModel.logit(prevalence: 1 / (1 + exp(-value)))
            }
        }
        return smoothed
    }

    /// SciPy's "reflect" boundary: … b a | a b … y z | z y …
    private static func reflect(_ index: Int, _ t: Int) -> Int {
        let period = 2 * t
        let folded = ((index % period) + period) % period
        return folded < t ? folded : period - 1 - folded
    }
}
