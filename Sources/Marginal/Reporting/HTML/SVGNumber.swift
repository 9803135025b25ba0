/// Coordinates as SVG text: one decimal (a tenth of a pixel), without a trailing `.0`, built
/// from integers (no `String(format:)`, which costs a microsecond per number on large plots).
/// Callers pass finite values only; ``SVGCanvas`` drops an element with a non-finite coordinate
/// before it gets here.
enum SVGNumber {
    static func text(_ value: Double) -> String {
        let tenths = (value * 10).rounded()
        guard tenths.isFinite, abs(tenths) < 1e15 else { return "0" }
        let integer = Int(tenths)
        let magnitude = integer.magnitude
        let whole = String(magnitude / 10)
        let fraction = magnitude % 10
        let sign = integer < 0 ? "-" : ""
        return fraction == 0 ? sign + whole : sign + whole + "." + String(fraction)
    }
}
