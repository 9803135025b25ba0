/// One rendered chart: an `<svg>` element with its id and kind (the element's classes are
/// `chart KIND`), and notes in words to print under it (points skipped as non-finite, rows
/// summarized, values thinned).
public struct Chart: Sendable {
    /// The element id, unique in a report (e.g. `caterpillar-Subject-Days`).
    public var id: String
    /// The chart type: `scatter`, `qq`, `caterpillar`, `trace`, `histogram`, `density`,
    /// `forest`, `bar`, `heatmap`, `pairs`.
    public var kind: String
    public var title: String
    public var svg: String
    public var notes: [String]
}

/// The pieces of a chart's text: id-safe names and the note on non-finite values.
enum ChartText {
    /// The parts joined by `-`, each run of characters other than ASCII letters, digits and `_`
    /// replaced by one `-` (none at the ends): an element id, e.g. `sd-Subject-Intercept` for
    /// `sd[Subject][(Intercept)]`.
    static func identifier(_ parts: String...) -> String {
        var out = ""
        var pendingDash = false
        for scalar in parts.joined(separator: "-").unicodeScalars {
            if scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_") {
                if pendingDash && !out.isEmpty { out += "-" }
                pendingDash = false
                out.unicodeScalars.append(scalar)
            } else {
                pendingDash = true
            }
        }
        return out
    }

    /// The note for values left out because they were not finite (nil when none were).
    static func skipped(_ count: Int, what: String = "values") -> String? {
        count > 0 ? "\(count) non-finite \(what) (NaN or infinite) are not drawn." : nil
    }

    /// A short number for tooltips and labels: 4 significant digits, no trailing zeros.
    static func number(_ value: Double) -> String { String(format: "%.4g", value) }
}
