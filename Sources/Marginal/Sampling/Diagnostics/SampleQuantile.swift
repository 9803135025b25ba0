/// Sample quantiles by linear interpolation between order statistics, R's default
/// `quantile(type = 7)` (Hyndman & Fan 1996, definition 7), also numpy's "linear":
/// with x₍₀₎ ≤ … ≤ x₍ₙ₋₁₎ and h = (n − 1)p, Q(p) = (1 − g)·x₍⌊h⌋₎ + g·x₍⌊h⌋₊₁₎, g = h − ⌊h⌋.
enum SampleQuantile {
    /// Q(p) of already sorted values; NaN for an empty sequence or p outside [0, 1].
    static func value(sorted x: [Double], probability p: Double) -> Double {
        guard !x.isEmpty, p >= 0, p <= 1 else { return .nan }
        let h = Double(x.count - 1) * p
        let low = Int(h.rounded(.down))
        let high = min(low + 1, x.count - 1)
        let g = h - Double(low)
        guard g > 0, x[high] != x[low] else { return x[low] }
        return (1 - g) * x[low] + g * x[high]
    }
}
