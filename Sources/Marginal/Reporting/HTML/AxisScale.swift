import Foundation

/// A map from data values to pixels along one axis, linear or base-10 logarithmic, with "nice"
/// tick values (1, 2 or 5 times a power of ten; powers of ten on a log axis).
struct AxisScale {
    /// The data interval shown (positive on a log axis).
    private(set) var lower: Double
    private(set) var upper: Double
    /// Pixels at `lower` and at `upper` (upper may be below lower: a y axis grows upwards).
    var start: Double
    var end: Double
    var logarithmic: Bool

    /// A scale over the finite values of `values` (positive ones on a log axis), widened by
    /// `padding` of the span on each side and to nice tick values when `nice`; a single value or
    /// none gives an interval around it (or [0, 1]).
    init(covering values: [Double], start: Double, end: Double, logarithmic: Bool = false, padding: Double = 0.04, nice: Bool = true, including: [Double] = []) {
        let usable = (values + including).filter { $0.isFinite && (!logarithmic || $0 > 0) }
        var low = usable.min() ?? (logarithmic ? 1 : 0)
        var high = usable.max() ?? (logarithmic ? 10 : 1)
        if logarithmic {
            low = log10(low)
            high = log10(high)
        }
        if high - low < 1e-12 * max(1, abs(high)) {
            let half = max(abs(high) * 0.05, logarithmic ? 0.5 : 0.5)
            low -= half
            high += half
        }
        let nonNegative = !logarithmic && low >= 0
        // Rounding to nice ticks leaves room of its own: then only a sliver of padding.
        let pad = (high - low) * (nice && !logarithmic ? min(padding, 0.01) : padding)
        low -= pad
        high += pad
        if nice && !logarithmic {
            let step = Self.niceStep((high - low) / 5)
            low = (low / step).rounded(.down) * step
            high = (high / step).rounded(.up) * step
        }
        // Counts and densities start at 0, not just below it.
        if nonNegative { low = max(low, 0) }
        self.lower = logarithmic ? pow(10, low) : low
        self.upper = logarithmic ? pow(10, high) : high
        self.start = start
        self.end = end
        self.logarithmic = logarithmic
    }

    /// The pixel of `value` (NaN for a non-positive value on a log axis; ``SVGCanvas`` drops it).
    func callAsFunction(_ value: Double) -> Double {
        let (a, b, x) = logarithmic ? (log10(lower), log10(upper), value > 0 ? log10(value) : .nan) : (lower, upper, value)
        return start + (x - a) / (b - a) * (end - start)
    }

    /// Whether `value` is inside the shown interval.
    func contains(_ value: Double) -> Bool { value >= lower && value <= upper }

    /// 1, 2 or 5 × 10^k, the smallest at least `rough`.
    static func niceStep(_ rough: Double) -> Double {
        guard rough.isFinite, rough > 0 else { return 1 }
        let power = pow(10, floor(log10(rough)))
        for factor in [1.0, 2, 5, 10] where factor * power >= rough * (1 - 1e-9) { return factor * power }
        return 10 * power
    }

    /// About `count` tick values inside the interval.
    func ticks(count: Int = 5) -> [Double] {
        if logarithmic {
            let first = Int(ceil(log10(lower) - 1e-9)), last = Int(floor(log10(upper) + 1e-9))
            guard first <= last else { return [lower, upper] }
            let stride = max(1, (last - first + count) / max(count, 1))
            return Swift.stride(from: first, through: last, by: stride).map { pow(10, Double($0)) }
        }
        let step = Self.niceStep((upper - lower) / Double(max(count, 1)))
        var tick = (lower / step).rounded(.up) * step
        var ticks: [Double] = []
        while tick <= upper + step * 1e-9, ticks.count < 50 {
            ticks.append(abs(tick) < step * 1e-9 ? 0 : tick)
            tick += step
        }
        return ticks
    }

    /// A tick's label: as many decimals as the tick spacing needs, scientific for huge or tiny
    /// magnitudes.
    func label(_ value: Double, among ticks: [Double]) -> String {
        let magnitude = ticks.map { abs($0) }.max() ?? abs(value)
        if logarithmic || magnitude >= 1e6 || (magnitude > 0 && magnitude < 1e-3) {
            return String(format: "%g", value)
        }
        let spacing = ticks.count > 1 ? abs(ticks[1] - ticks[0]) : max(abs(value), 1)
        let decimals = max(0, -Int(floor(log10(spacing) + 1e-9)))
        return String(format: "%.\(min(decimals, 6))f", value)
    }
}
