/// Lines through (x, y) points, one colour per series, with shaded x intervals (warmup) and
/// horizontal reference lines: trace plots, the optimizer's objective per evaluation, step sizes,
/// estimates against a sample size on a log axis. A series longer than ``maximumPointsPerSeries``
/// is thinned to every k-th point (and says so).
public struct LineChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        /// Also draw each point as a dot (with its value as a tooltip).
        public var markers: Bool

        public init(name: String, points: [(x: Double, y: Double)], markers: Bool = false) {
            self.name = name
            self.points = points
            self.markers = markers
        }
    }

    /// A shaded interval of x with its label (e.g. warmup).
    public struct Band: Sendable {
        public var from: Double
        public var to: Double
        public var label: String

        public init(from: Double, to: Double, label: String) {
            self.from = from
            self.to = to
            self.label = label
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var bands: [Band] = []
    /// Horizontal reference lines and their labels.
    public var references: [(value: Double, label: String)] = []
    public var logX = false
    public var logY = false
    public var maximumPointsPerSeries = 2_000
    public var width = 560.0
    public var height = 300.0

    public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    public func render(id: String) -> Chart {
        var notes: [String] = []
        var skipped = 0
        let usable = series.map { one in
            one.points.filter { point in
                let ok = point.x.isFinite && point.y.isFinite && (!logX || point.x > 0) && (!logY || point.y > 0)
                if !ok { skipped += 1 }
                return ok
            }
        }
        let xs = usable.flatMap { $0.map(\.x) } + bands.flatMap { [$0.from, $0.to] }
        let ys = usable.flatMap { $0.map(\.y) }
        var frame = PlotFrame(width: width, height: height, xValues: xs, yValues: ys, xLog: logX, yLog: logY,
                              includeY: references.map(\.value).filter(\.isFinite), niceX: false)
        for band in bands where band.from.isFinite && band.to.isFinite {
            let a = frame.x(band.from), b = frame.x(band.to)
            frame.canvas.rect(x: a, y: frame.top, width: b - a, height: frame.bottom - frame.top, class: "band", title: band.label)
            frame.canvas.text(band.label, x: min(a, b) + 4, y: frame.top + 12, class: "tick")
        }
        frame.drawAxes(title: title, xLabel: xLabel, yLabel: yLabel)
        for reference in references { frame.horizontalReference(reference.value, label: reference.label) }
        var thinned = false
        for (index, points) in usable.enumerated() {
            let stride = max(1, (points.count + maximumPointsPerSeries - 1) / maximumPointsPerSeries)
            if stride > 1 { thinned = true }
            let kept = Swift.stride(from: 0, to: points.count, by: stride).map { points[$0] }
            let cssClass = Palette.seriesClass(index)
            frame.canvas.polyline(kept.map { (frame.x($0.x), frame.y($0.y)) }, class: "line " + cssClass)
            if series[index].markers || kept.count == 1 {
                for point in kept {
                    frame.canvas.circle(frame.x(point.x), frame.y(point.y), radius: 3, class: "pt " + cssClass,
                                        title: "\(series[index].name): \(ChartText.number(point.y)) at \(ChartText.number(point.x))")
                }
            }
        }
        if thinned { notes.append("Long series are thinned to at most \(maximumPointsPerSeries) points each for drawing.") }
        if series.count > 1 { frame.drawLegend(series.indices.map { (series[$0].name, Palette.seriesClass($0)) }) }
        if skipped > 0 {
            notes.append("\(skipped) points are not drawn: not finite (NaN or infinite)\(logX || logY ? ", or not positive on a log axis" : "").")
        }
        return frame.chart(id: id, kind: "trace", title: title, notes: notes)
    }
}
