/// Horizontal grouped bars: one group per category (a block of parameters), one bar per
/// measure in the group (the gradient of the log likelihood and of the log prior, at the start
/// and at the end), on a log axis when the values span more than three orders of magnitude.
/// Zeros and non-finite values are not drawn on a log axis, and the note says how many.
public struct BarChart: Sendable {
    public var title: String
    public var valueLabel: String
    public var categories: [String]
    /// The measures' names, and per measure one value per category.
    public var measures: [(name: String, values: [Double])]

    public init(title: String, valueLabel: String, categories: [String], measures: [(name: String, values: [Double])]) {
        self.title = title
        self.valueLabel = valueLabel
        self.categories = categories
        self.measures = measures
    }

    public func render(id: String) -> Chart {
        let all = measures.flatMap(\.values).filter { $0.isFinite }
        let positive = all.filter { $0 > 0 }
        let logarithmic = all.allSatisfy { $0 >= 0 } && (positive.max() ?? 1) / (positive.min() ?? 1) > 1e3
        let barHeight = 10.0, groupGap = 10.0
        let groupHeight = Double(measures.count) * barHeight + groupGap
        let height = Double(categories.count) * groupHeight + 88 + (measures.count > 1 ? Double(measures.count) * 16 + 16 : 4)
        let longest = categories.map(\.count).max() ?? 4
        let floor = logarithmic ? (positive.min() ?? 1) / 2 : 0
        var frame = PlotFrame(width: 640, height: height, xValues: logarithmic ? positive + [floor] : all, yValues: [0, 1],
                              xLog: logarithmic, includeX: logarithmic ? [] : [0], leftMargin: 20 + 6 * Double(min(longest, 40)), niceY: false)
        frame.drawValueAxis(title: title, label: valueLabel + (logarithmic ? " (log scale)" : ""))
        let legendTop = measures.count > 1 ? Double(measures.count) * 16 + 16 : 4
        var skipped = 0
        for (c, category) in categories.enumerated() {
            let groupTop = frame.top + legendTop + Double(c) * groupHeight
            frame.canvas.text(String(category.prefix(40)), x: frame.left - 6, y: groupTop + groupHeight / 2, anchor: "end", class: "tick")
            for (m, measure) in measures.enumerated() {
                guard c < measure.values.count else { continue }
                let value = measure.values[c]
                guard value.isFinite, !logarithmic || value > 0 else { skipped += 1; continue }
                let base = frame.x(logarithmic ? floor : 0)
                frame.canvas.rect(x: base, y: groupTop + Double(m) * barHeight, width: frame.x(value) - base, height: barHeight - 1,
                                  class: "hist " + Palette.seriesClass(m), title: "\(category), \(measure.name): \(ChartText.number(value))")
            }
        }
        if measures.count > 1 { frame.drawLegend(measures.indices.map { (measures[$0].name, Palette.seriesClass($0)) }) }
        var notes: [String] = []
        if skipped > 0 {
            notes.append("\(skipped) bars are not drawn: \(logarithmic ? "zero on the log axis, or " : "")not finite.")
        }
        return frame.chart(id: id, kind: "bar", title: title, notes: notes)
    }
}
