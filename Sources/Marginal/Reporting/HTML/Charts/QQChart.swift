/// A normal QQ plot: the sorted values against the standard normal quantiles Φ⁻¹((i − ½)/n)
/// with the line through the quartiles (R's `qqline`). More than ``maximumPoints`` values are
/// thinned to that many, evenly spaced in rank, keeping the 20 smallest and largest (the tails
/// are what a QQ plot is read for).
public struct QQChart: Sendable {
    public var title: String
    public var valueLabel: String
    public var values: [Double]
    public var maximumPoints = 1_500

    public init(title: String, valueLabel: String, values: [Double]) {
        self.title = title
        self.valueLabel = valueLabel
        self.values = values
    }

    public func render(id: String) -> Chart {
        let sorted = values.filter(\.isFinite).sorted()
        let n = sorted.count
        var notes: [String] = []
        if let note = ChartText.skipped(values.count - n) { notes.append(note) }
        var ranks = Array(0..<n)
        if n > maximumPoints {
            let tail = 20, middle = maximumPoints - 2 * tail
            let inner = (0..<middle).map { tail + $0 * (n - 2 * tail) / middle }
            ranks = Array(0..<tail) + inner + Array((n - tail)..<n)
            notes.append("\(n) values: \(ranks.count) drawn, evenly spaced in rank with the 20 smallest and largest.")
        }
        let theoretical = ranks.map { NormalQuantile.value((Double($0) + 0.5) / Double(n)) }
        let observed = ranks.map { sorted[$0] }
        var frame = PlotFrame(xValues: theoretical, yValues: observed)
        frame.drawAxes(title: title, xLabel: "standard normal quantile", yLabel: valueLabel)
        if n >= 4 {
            // The line through the first and third quartiles.
            let q1 = SampleQuantile.value(sorted: sorted, probability: 0.25), q3 = SampleQuantile.value(sorted: sorted, probability: 0.75)
            let z1 = NormalQuantile.value(0.25), z3 = NormalQuantile.value(0.75)
            let slope = (q3 - q1) / (z3 - z1), intercept = q1 - slope * z1
            let lo = theoretical.first ?? -3, hi = theoretical.last ?? 3
            frame.canvas.line(frame.x(lo), frame.y(intercept + slope * lo), frame.x(hi), frame.y(intercept + slope * hi), class: "ref")
        }
        for (z, value) in zip(theoretical, observed) {
            frame.canvas.circle(frame.x(z), frame.y(value), radius: 2.4, class: "pt s0", title: "\(ChartText.number(value)) at z = \(ChartText.number(z))")
        }
        return frame.chart(id: id, kind: "qq", title: title, notes: notes)
    }
}
