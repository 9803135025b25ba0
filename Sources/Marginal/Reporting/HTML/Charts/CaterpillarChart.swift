/// A caterpillar plot: one row per level, its estimate as a dot and its interval as a bar,
/// sorted by the estimate, with a reference line at 0. A factor with more than
/// ``maximumRows`` levels is summarized: the 30 lowest, the 30 highest and an evenly spaced
/// sample of the rest are drawn (at most ``maximumRows`` rows), and a note says so, so 3,000
/// levels do not become 3,000 overlapping rows.
public struct CaterpillarChart: Sendable {
    public struct Row: Sendable {
        public var label: String
        public var estimate: Double
        public var lower: Double
        public var upper: Double

        public init(label: String, estimate: Double, lower: Double, upper: Double) {
            self.label = label
            self.estimate = estimate
            self.lower = lower
            self.upper = upper
        }
    }

    public var title: String
    public var valueLabel: String
    public var rows: [Row]
    public var maximumRows = 100

    public init(title: String, valueLabel: String, rows: [Row]) {
        self.title = title
        self.valueLabel = valueLabel
        self.rows = rows
    }

    /// The rows drawn, in order, a note when some were left out, and the number of extreme rows
    /// at each end (0 when every row is drawn).
    func shownRows() -> (rows: [Row], note: String?, extremes: Int) {
        let sorted = rows.filter { $0.estimate.isFinite }.sorted { $0.estimate < $1.estimate }
        guard sorted.count > maximumRows else { return (sorted, nil, 0) }
        let extremes = min(30, maximumRows / 3)
        let middle = maximumRows - 2 * extremes
        let inner = sorted.count - 2 * extremes
        let sample = (0..<middle).map { extremes + ($0 * inner + inner / 2) / middle }
        let chosen = Array(0..<extremes) + sample + Array((sorted.count - extremes)..<sorted.count)
        let note = "\(sorted.count) levels: the \(extremes) lowest, the \(extremes) highest and \(middle) evenly spaced between them are drawn (\(chosen.count) rows)."
        return (chosen.map { sorted[$0] }, note, extremes)
    }

    public func render(id: String) -> Chart {
        let (shown, summaryNote, extremes) = shownRows()
        var notes = [summaryNote].compactMap { $0 }
        if let note = ChartText.skipped(rows.count - rows.filter({ $0.estimate.isFinite }).count, what: "estimates") { notes.append(note) }
        let rowHeight = shown.count <= 40 ? 13.0 : 9.0
        let height = max(140, Double(shown.count) * rowHeight + 80)
        let longest = shown.map(\.label.count).max() ?? 4
        let values = shown.flatMap { [$0.estimate, $0.lower, $0.upper] }
        var frame = PlotFrame(width: 560, height: height, xValues: values, yValues: [0, Double(max(shown.count, 1))],
                              includeX: [0], leftMargin: 20 + 6 * Double(min(longest, 22)), niceY: false)
        frame.drawValueAxis(title: title, label: valueLabel)
        frame.verticalReference(0)
        if extremes > 0 {
            // Dashed lines between the lowest rows, the sample and the highest rows.
            for (boundary, label) in [(extremes, "\(extremes) lowest below, a sample above"), (shown.count - extremes, "\(extremes) highest above")] {
                let py = frame.y(Double(boundary))
                frame.canvas.line(frame.left, py, frame.right, py, class: "ref")
                frame.canvas.text(label, x: frame.right - 4, y: py - 3, anchor: "end", class: "tick halo")
            }
        }
        for (index, row) in shown.enumerated() {
            let py = frame.y(Double(index) + 0.5)
            let tooltip = "\(row.label): \(ChartText.number(row.estimate)) [\(ChartText.number(row.lower)), \(ChartText.number(row.upper))]"
            if row.lower.isFinite, row.upper.isFinite {
                frame.canvas.line(frame.x(row.lower), py, frame.x(row.upper), py, class: "bar s0")
            }
            frame.canvas.circle(frame.x(row.estimate), py, radius: 2.6, class: "pt s0", title: tooltip)
            if shown.count <= 60 || index % max(1, shown.count / 40) == 0 {
                frame.canvas.text(String(row.label.prefix(22)), x: frame.left - 6, y: py + 3, anchor: "end", class: "tick")
            }
        }
        return frame.chart(id: id, kind: "caterpillar", title: title, notes: notes)
    }
}
