/// A function of two variables on a grid, coloured by viridis, with marked points (a saddle, an
/// estimate) and a colour bar. A cell's colour is the rank of its value among the grid's finite
/// values (histogram equalization: each colour covers the same area), so a function that falls
/// off a cliff somewhere (the joint density as σ² → 0) does not wash out the ridge elsewhere;
/// the colour bar labels the minimum, the median and the maximum. Non-finite cells are left
/// empty and counted.
public struct HeatmapChart: Sendable {
    /// A marked point with its label.
    public struct Marker: Sendable {
        public var x: Double
        public var y: Double
        public var label: String
        /// Put the label under the point rather than above it (two markers close together).
        public var labelBelow: Bool

        public init(x: Double, y: Double, label: String, labelBelow: Bool = false) {
            self.x = x
            self.y = y
            self.label = label
            self.labelBelow = labelBelow
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var valueLabel: String
    /// Cell centres along x and along y (increasing, evenly spaced).
    public var x: [Double]
    public var y: [Double]
    /// `values[j][i]` at (x[i], y[j]).
    public var values: [[Double]]
    public var markers: [Marker]
    /// Horizontal lines across the map (e.g. the empirical-Bayes σ²).
    public var horizontalLines: [(value: Double, label: String)] = []

    public init(title: String, xLabel: String, yLabel: String, valueLabel: String, x: [Double], y: [Double], values: [[Double]], markers: [Marker]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.valueLabel = valueLabel
        self.x = x
        self.y = y
        self.values = values
        self.markers = markers
    }

    public func render(id: String) -> Chart {
        let finite = values.flatMap { $0 }.filter(\.isFinite).sorted()
        let skipped = values.reduce(0) { $0 + $1.count } - finite.count
        /// The fraction of the finite values below `value`.
        func rank(_ value: Double) -> Double {
            var lower = 0, upper = finite.count
            while lower < upper {
                let middle = (lower + upper) / 2
                if finite[middle] < value { lower = middle + 1 } else { upper = middle }
            }
            return finite.count > 1 ? Double(lower) / Double(finite.count - 1) : 0.5
        }
        let dx = x.count > 1 ? x[1] - x[0] : 1, dy = y.count > 1 ? y[1] - y[0] : 1
        let xEdges = [(x.first ?? 0) - dx / 2, (x.last ?? 0) + dx / 2], yEdges = [(y.first ?? 0) - dy / 2, (y.last ?? 0) + dy / 2]
        var frame = PlotFrame(width: 600, height: 420, xValues: xEdges, yValues: yEdges, rightMargin: 90, niceX: false, niceY: false, padding: 0)
        for (j, row) in values.enumerated() where j < y.count {
            for (i, value) in row.enumerated() where i < x.count && value.isFinite {
                let t = rank(value)
                let px = frame.x(x[i] - dx / 2), py = frame.y(y[j] + dy / 2)
                frame.canvas.rect(x: px, y: py, width: frame.x(x[i] + dx / 2) - px + 0.4, height: frame.y(y[j] - dy / 2) - py + 0.4,
                                  class: "cell", fill: Palette.sequential(t),
                                  title: "\(valueLabel) \(ChartText.number(value)) at (\(ChartText.number(x[i])), \(ChartText.number(y[j])))")
            }
        }
        frame.drawAxes(title: title, xLabel: xLabel, yLabel: yLabel)
        for line in horizontalLines where frame.y.contains(line.value) {
            frame.canvas.line(frame.left, frame.y(line.value), frame.right, frame.y(line.value), class: "ref")
            frame.canvas.text(line.label, x: frame.left + 4, y: frame.y(line.value) - 4, class: "tick halo")
        }
        for marker in markers where frame.x.contains(marker.x) && frame.y.contains(marker.y) {
            frame.canvas.circle(frame.x(marker.x), frame.y(marker.y), radius: 5, class: "marker",
                                title: "\(marker.label): (\(ChartText.number(marker.x)), \(ChartText.number(marker.y)))")
            frame.canvas.text(marker.label, x: frame.x(marker.x) + 8, y: frame.y(marker.y) + (marker.labelBelow ? 16 : -6), class: "tick halo")
        }
        // The colour bar.
        let barLeft = frame.right + 24, steps = 40
        for k in 0..<steps {
            let t = Double(k) / Double(steps - 1)
            let py = frame.bottom - (frame.bottom - frame.top) * Double(k + 1) / Double(steps)
            frame.canvas.rect(x: barLeft, y: py, width: 14, height: (frame.bottom - frame.top) / Double(steps) + 0.5, fill: Palette.sequential(t))
        }
        if let low = finite.first, let high = finite.last {
            frame.canvas.text(ChartText.number(high), x: barLeft + 18, y: frame.top + 8, class: "tick")
            frame.canvas.text(ChartText.number(SampleQuantile.value(sorted: finite, probability: 0.5)), x: barLeft + 18, y: (frame.top + frame.bottom) / 2 + 4, class: "tick")
            frame.canvas.text(ChartText.number(low), x: barLeft + 18, y: frame.bottom, class: "tick")
        }
        frame.canvas.text(valueLabel, x: barLeft + 7, y: frame.top - 8, anchor: "middle", class: "tick")
        var notes = ["Colours follow the rank of \(valueLabel) among the grid's values (each colour covers an equal area); the colour bar marks the minimum, median and maximum."]
        if let note = ChartText.skipped(skipped, what: "grid values") { notes.append(note) }
        return frame.chart(id: id, kind: "heatmap", title: title, notes: notes)
    }
}
