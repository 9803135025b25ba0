/// Points in the plane, one colour per series, with an optional horizontal reference line
/// (residuals against fitted values: y = 0) and the identity line (estimates against the truth).
/// Beyond ``maximumPoints`` points the chart shows their density instead: counts on an 80 × 45
/// grid in viridis, so 70,000 residuals stay a readable picture of a few kilobytes.
public struct ScatterChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var x: [Double]
        public var y: [Double]
        /// One tooltip per point (optional; the coordinates otherwise).
        public var labels: [String]?

        public init(name: String, x: [Double], y: [Double], labels: [String]? = nil) {
            self.name = name
            self.x = x
            self.y = y
            self.labels = labels
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var horizontalLine: Double?
    public var identityLine = false
    public var maximumPoints = 2_500

    public init(title: String, xLabel: String, yLabel: String, series: [Series], horizontalLine: Double? = nil, identityLine: Bool = false) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.horizontalLine = horizontalLine
        self.identityLine = identityLine
    }

    public func render(id: String) -> Chart {
        var skipped = 0
        let clean: [[(x: Double, y: Double, label: String?)]] = series.map { one in
            var points: [(x: Double, y: Double, label: String?)] = []
            for k in 0..<min(one.x.count, one.y.count) {
                guard one.x[k].isFinite, one.y[k].isFinite else { skipped += 1; continue }
                points.append((one.x[k], one.y[k], one.labels.flatMap { k < $0.count ? $0[k] : nil }))
            }
            return points
        }
        let xs = clean.flatMap { $0.map(\.x) }, ys = clean.flatMap { $0.map(\.y) }
        let lineValues = identityLine ? xs : []
        let legendBelow = series.count > 3
        var frame = PlotFrame(xValues: xs, yValues: ys, includeX: lineValues.isEmpty ? [] : ys, includeY: (horizontalLine.map { [$0] } ?? []) + lineValues,
                              legendRowsBelow: legendBelow ? (series.count + 1) / 2 : 0)
        frame.drawAxes(title: title, xLabel: xLabel, yLabel: yLabel)
        var notes: [String] = []
        if xs.count > maximumPoints {
            drawDensity(clean.flatMap { $0 }, in: &frame)
            notes.append("\(xs.count) points: shown as their density (count per cell, darker to lighter: fewer to more) rather than as overlapping dots.")
        } else {
            for (index, points) in clean.enumerated() {
                let cssClass = "pt " + Palette.seriesClass(index)
                // Earlier series are drawn larger, so coinciding points of several series show as rings.
                let radius = 2.6 + 1.3 * Double(clean.count - 1 - index)
                for point in points {
                    let tooltip = (point.label.map { $0 + ": " } ?? "") + "(\(ChartText.number(point.x)), \(ChartText.number(point.y)))"
                    frame.canvas.circle(frame.x(point.x), frame.y(point.y), radius: radius, class: cssClass, title: tooltip)
                }
            }
        }
        if let horizontalLine { frame.horizontalReference(horizontalLine) }
        if identityLine {
            let lo = min(xs.min() ?? 0, ys.min() ?? 0), hi = max(xs.max() ?? 1, ys.max() ?? 1)
            frame.canvas.line(frame.x(lo), frame.y(lo), frame.x(hi), frame.y(hi), class: "ref")
        }
        let entries = series.indices.map { (name: series[$0].name, cssClass: Palette.seriesClass($0)) }
        if legendBelow {
            frame.drawLegendBelow(entries)
        } else if series.count > 1 {
            frame.drawLegend(entries)
        }
        if let note = ChartText.skipped(skipped, what: "points") { notes.append(note) }
        return frame.chart(id: id, kind: "scatter", title: title, notes: notes)
    }

    /// Counts on a grid, coloured by log count.
    private func drawDensity(_ points: [(x: Double, y: Double, label: String?)], in frame: inout PlotFrame) {
        let columns = 80, rows = 45
        let width = (frame.right - frame.left) / Double(columns), height = (frame.bottom - frame.top) / Double(rows)
        var counts = [Int](repeating: 0, count: columns * rows)
        for point in points {
            let i = Int((frame.x(point.x) - frame.left) / width), j = Int((frame.y(point.y) - frame.top) / height)
            guard (0..<columns).contains(i), (0..<rows).contains(j) else { continue }
            counts[j * columns + i] += 1
        }
        let top = Double(counts.max() ?? 1)
        for j in 0..<rows {
            for i in 0..<columns where counts[j * columns + i] > 0 {
                let count = counts[j * columns + i]
                let t = top > 1 ? (Double(count).squareRoot() - 1) / (top.squareRoot() - 1) : 1
                frame.canvas.rect(x: frame.left + Double(i) * width, y: frame.top + Double(j) * height, width: width, height: height,
                                  class: "cell", fill: Palette.sequential(0.15 + 0.85 * t), title: "\(count) points")
            }
        }
    }
}
