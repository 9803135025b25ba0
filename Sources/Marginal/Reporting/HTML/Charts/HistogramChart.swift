/// Histograms side by side on a common y axis, one panel per group (the rank plot of one
/// parameter: one panel per chain, Vehtari et al. 2021), with a horizontal reference line at
/// the count each bin would hold if the values were spread evenly (uniform ranks).
public struct HistogramChart: Sendable {
    /// One panel's values (a chain's ranks).
    public typealias Panel = NamedValues

    public var title: String
    public var xLabel: String
    public var panels: [Panel]
    public var bins = 20
    /// Draw the line of equal counts (for ranks, which are uniform when the chains agree).
    public var uniformReference = false
    /// The x interval binned; nil: the finite values' range.
    public var range: ClosedRange<Double>?
    /// The width in pixels; nil: 120 per panel, at least 560.
    public var width: Double?

    public init(title: String, xLabel: String, panels: [Panel], bins: Int = 20, uniformReference: Bool = false, range: ClosedRange<Double>? = nil) {
        self.title = title
        self.xLabel = xLabel
        self.panels = panels
        self.bins = bins
        self.uniformReference = uniformReference
        self.range = range
    }

    /// Counts per bin of `values` over `range` (the maximum falls in the last bin).
    static func counts(_ values: [Double], bins: Int, range: ClosedRange<Double>) -> [Int] {
        var counts = [Int](repeating: 0, count: max(bins, 1))
        let span = range.upperBound - range.lowerBound
        for value in values where value.isFinite && range.contains(value) {
            let index = span > 0 ? Int((value - range.lowerBound) / span * Double(counts.count)) : 0
            counts[min(max(index, 0), counts.count - 1)] += 1
        }
        return counts
    }

    public func render(id: String) -> Chart {
        let finite = panels.flatMap { $0.values.filter(\.isFinite) }
        let skipped = panels.reduce(0) { $0 + $1.values.count } - finite.count
        let binned = range ?? ((finite.min() ?? 0)...(Swift.max(finite.max() ?? 1, (finite.min() ?? 0) + 1e-12)))
        let allCounts = panels.map { Self.counts($0.values, bins: bins, range: binned) }
        let highest = Double(allCounts.flatMap { $0 }.max() ?? 1)
        let width = self.width ?? Swift.max(560, Double(panels.count) * 120 + 70)
        var canvas = SVGCanvas(width: width, height: 230)
        canvas.text(title, x: 8, y: 18, class: "title")
        let left = 50.0, top = 44.0, bottom = 190.0, gap = 10.0
        let panelWidth = (width - left - 10 - gap * Double(Swift.max(panels.count - 1, 0))) / Double(Swift.max(panels.count, 1))
        let y = AxisScale(covering: [0, highest], start: bottom, end: top, padding: 0)
        let yTicks = y.ticks(count: 4)
        for tick in yTicks {
            canvas.line(left, y(tick), width - 10, y(tick), class: "grid")
            canvas.text(y.label(tick, among: yTicks), x: left - 5, y: y(tick) + 4, anchor: "end", class: "tick")
        }
        canvas.text("count", x: 12, y: (top + bottom) / 2, anchor: "middle", rotate: -90)
        for (p, panel) in panels.enumerated() {
            let x0 = left + Double(p) * (panelWidth + gap)
            let barWidth = panelWidth / Double(Swift.max(bins, 1))
            canvas.text(panel.name, x: x0 + panelWidth / 2, y: top - 6, anchor: "middle", class: "tick")
            for (b, count) in allCounts[p].enumerated() where count > 0 {
                let lowerEdge = binned.lowerBound + Double(b) * (binned.upperBound - binned.lowerBound) / Double(bins)
                canvas.rect(x: x0 + Double(b) * barWidth, y: y(Double(count)), width: Swift.max(barWidth - 1, 0.5), height: bottom - y(Double(count)),
                            class: "hist " + Palette.seriesClass(p), title: "\(panel.name): \(count) from \(ChartText.number(lowerEdge))")
            }
            if uniformReference {
                let expected = Double(panel.values.filter(\.isFinite).count) / Double(Swift.max(bins, 1))
                canvas.line(x0, y(expected), x0 + panelWidth, y(expected), class: "ref")
            }
            canvas.line(x0, bottom, x0 + panelWidth, bottom, class: "axis")
            canvas.text(ChartText.number(binned.lowerBound), x: x0, y: bottom + 14, class: "tick")
            canvas.text(ChartText.number(binned.upperBound), x: x0 + panelWidth, y: bottom + 14, anchor: "end", class: "tick")
        }
        canvas.text(xLabel, x: (left + width) / 2, y: bottom + 34, anchor: "middle")
        var notes = [ChartText.skipped(skipped)].compactMap { $0 }
        if let note = ChartText.skipped(canvas.droppedElements, what: "coordinates") { notes.append(note) }
        return Chart(id: id, kind: "histogram", title: title, svg: canvas.render(id: id, kind: "histogram", title: title), notes: notes)
    }
}
