import Foundation

/// Number formatting in the style of R's `print`: a fixed count of significant digits.
enum NumberFormat {
    /// `x` with `digits` significant digits, no exponent for ordinary magnitudes.
    static func significant(_ x: Double, _ digits: Int = 4) -> String {
        guard x.isFinite else { return x.isNaN ? "NaN" : (x > 0 ? "Inf" : "-Inf") }
        if x == 0 { return "0" }
        let magnitude = Int(floor(log10(abs(x))))
        if magnitude >= 15 || magnitude < -5 { return String(format: "%.\(max(digits - 1, 0))e", x) }
        let decimals = max(0, digits - 1 - magnitude)
        return String(format: "%.\(decimals)f", x)
    }

    /// `x` with a fixed number of decimals.
    static func fixed(_ x: Double, _ decimals: Int) -> String {
        guard x.isFinite else { return x.isNaN ? "NaN" : (x > 0 ? "Inf" : "-Inf") }
        return String(format: "%.\(decimals)f", x)
    }

    /// A column of numbers printed with a common number of decimals chosen so the smallest
    /// nonzero magnitude keeps `digits` significant digits (capped), as R aligns a column.
    static func column(_ values: [Double], digits: Int = 4, maxDecimals: Int = 6) -> [String] {
        let finite = values.filter { $0.isFinite && $0 != 0 }
        let smallest = finite.map { abs($0) }.min() ?? 1
        let magnitude = Int(floor(log10(smallest)))
        let decimals = min(maxDecimals, max(0, digits - 1 - magnitude))
        return values.map { fixed($0, decimals) }
    }
}
