/// Colours of the charts.
///
/// Series use the Okabe–Ito palette (Okabe & Ito 2008, "Color Universal Design"), which stays
/// distinguishable under the common colour-vision deficiencies; it is defined as CSS variables
/// `--c0`…`--c7` in ``ReportStyle`` (with lighter variants in dark mode) and used through the
/// classes `s0`…`s7`. Sequential values (a heat map) use viridis (van der Walt & Smith), which is
/// perceptually uniform, readable in grey and colour-blind safe.
public enum Palette {
    /// The Okabe–Ito colours in the order series take them (blue, orange, green, vermillion,
    /// sky blue, reddish purple, yellow, black).
    public static let okabeIto = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000"]
    /// The same in dark mode: the dark blue and the black swapped for lighter colours.
    public static let okabeItoDark = ["#56B4E9", "#E69F00", "#009E73", "#D55E00", "#9AD0F0", "#CC79A7", "#F0E442", "#DDDDDD"]

    /// The CSS class of series `index` (colours repeat after eight series).
    static func seriesClass(_ index: Int) -> String { "s\(((index % okabeIto.count) + okabeIto.count) % okabeIto.count)" }

    /// Viridis anchors at 0, 0.25, 0.5, 0.75 and 1.
    private static let viridis: [(Double, Double, Double)] = [
        (68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37),
    ]

    /// The viridis colour at `t` in [0, 1] (clamped) as `#rrggbb`, linear between anchors.
    static func sequential(_ t: Double) -> String {
        let clamped = t.isFinite ? min(max(t, 0), 1) : 0
        let position = clamped * Double(viridis.count - 1)
        let lower = min(Int(position), viridis.count - 2)
        let f = position - Double(lower)
        let a = viridis[lower], b = viridis[lower + 1]
        func channel(_ x: Double, _ y: Double) -> String {
            let value = Int((x + (y - x) * f).rounded())
            let hex = String(value, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }
        return "#" + channel(a.0, b.0) + channel(a.1, b.1) + channel(a.2, b.2)
    }
}
