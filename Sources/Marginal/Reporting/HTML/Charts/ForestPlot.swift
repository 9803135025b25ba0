/// A forest plot of one parameter: one row per method with its estimate as a dot and, where
/// the method has one, its interval as a bar; a method without an interval shows the dot alone
/// and says so in its tooltip, and a method without an estimate is listed as "no estimate".
public struct ForestPlot: Sendable {
    public struct Row: Sendable {
        public var method: String
        public var estimate: Double?
        public var interval: (lower: Double, upper: Double)?
        /// Warnings shown in the tooltip (and marked with ⚠ beside the method).
        public var warnings: [String]

        public init(method: String, estimate: Double?, interval: (lower: Double, upper: Double)? = nil, warnings: [String] = []) {
            self.method = method
            self.estimate = estimate
            self.interval = interval
            self.warnings = warnings
        }
    }

    public var parameter: String
    public var rows: [Row]
    /// What the intervals are, for the x label.
    public var intervalDescription: String

    public init(parameter: String, rows: [Row], intervalDescription: String) {
        self.parameter = parameter
        self.rows = rows
        self.intervalDescription = intervalDescription
    }

    public func render(id: String) -> Chart {
        let rowHeight = 20.0
        let height = Double(rows.count) * rowHeight + 86
        let values = rows.flatMap { row in [row.estimate, row.interval?.lower, row.interval?.upper].compactMap { $0 }.filter(\.isFinite) }
        var frame = PlotFrame(width: 420, height: height, xValues: values, yValues: [0, Double(max(rows.count, 1))], leftMargin: 96, niceY: false)
        frame.drawValueAxis(title: parameter, label: intervalDescription, ticks: 4)
        var skipped = 0
        for (index, row) in rows.enumerated() {
            let py = frame.y(Double(rows.count - index) - 0.5)
            let flag = row.warnings.isEmpty ? "" : " ⚠"
            frame.canvas.text(row.method + flag, x: frame.left - 6, y: py + 4, anchor: "end", class: row.warnings.isEmpty ? "tick" : "tick warn")
            guard let estimate = row.estimate, estimate.isFinite else {
                if row.estimate != nil { skipped += 1 }
                frame.canvas.text("no estimate", x: frame.left + 4, y: py + 4, class: "tick")
                continue
            }
            var tooltip = "\(row.method): \(ChartText.number(estimate))"
            if let interval = row.interval, interval.lower.isFinite, interval.upper.isFinite {
                frame.canvas.line(frame.x(interval.lower), py, frame.x(interval.upper), py, class: "bar " + Palette.seriesClass(index))
                tooltip += " [\(ChartText.number(interval.lower)), \(ChartText.number(interval.upper))]"
            } else {
                tooltip += " (no interval)"
            }
            if !row.warnings.isEmpty { tooltip += "\nwarning: " + row.warnings.joined(separator: "\nwarning: ") }
            frame.canvas.circle(frame.x(estimate), py, radius: 4, class: "pt " + Palette.seriesClass(index), title: tooltip)
        }
        return frame.chart(id: id, kind: "forest", title: parameter, notes: [ChartText.skipped(skipped, what: "estimates")].compactMap { $0 })
    }
}
