/// The layout every x–y chart shares: a canvas with margins, an x and a y ``AxisScale`` over
/// the plotting area, gridlines, axes with tick labels and titles, a chart title and a legend.
struct PlotFrame {
    var canvas: SVGCanvas
    var x: AxisScale
    var y: AxisScale
    /// Left, top, right and bottom of the plotting area in pixels.
    let left: Double, top: Double, right: Double, bottom: Double

    /// A frame of `width` × `height` pixels over the x and y values given (extra values in
    /// `includeX`/`includeY` widen the axes, e.g. to show 0 or a reference line).
    init(width: Double = 560, height: Double = 340, xValues: [Double], yValues: [Double], xLog: Bool = false, yLog: Bool = false,
         includeX: [Double] = [], includeY: [Double] = [], leftMargin: Double = 64, rightMargin: Double = 16, niceX: Bool = true, niceY: Bool = true,
         padding: Double = 0.04, legendRowsBelow: Int = 0) {
        canvas = SVGCanvas(width: width, height: height + 16 * Double(legendRowsBelow))
        left = leftMargin
        top = 30
        right = width - rightMargin
        bottom = height - 46
        x = AxisScale(covering: xValues, start: left, end: right, logarithmic: xLog, padding: padding, nice: niceX, including: includeX)
        y = AxisScale(covering: yValues, start: bottom, end: top, logarithmic: yLog, padding: padding, nice: niceY, including: includeY)
    }

    /// Gridlines, both axes with ticks and labels, the axis titles and the chart title.
    mutating func drawAxes(title: String, xLabel: String, yLabel: String, xTicks: Int = 6, yTicks: Int = 5) {
        canvas.text(title, x: left, y: 18, class: "title")
        let xs = x.ticks(count: xTicks), ys = y.ticks(count: yTicks)
        for tick in ys {
            let py = y(tick)
            canvas.line(left, py, right, py, class: "grid")
            canvas.text(y.label(tick, among: ys), x: left - 6, y: py + 4, anchor: "end", class: "tick")
        }
        for tick in xs {
            let px = x(tick)
            canvas.line(px, top, px, bottom, class: "grid")
            canvas.text(x.label(tick, among: xs), x: px, y: bottom + 16, anchor: "middle", class: "tick")
        }
        canvas.line(left, bottom, right, bottom, class: "axis")
        canvas.line(left, top, left, bottom, class: "axis")
        canvas.text(xLabel, x: (left + right) / 2, y: bottom + 36, anchor: "middle")
        canvas.text(yLabel, x: 14, y: (top + bottom) / 2, anchor: "middle", rotate: -90)
    }

    /// The layout of charts with one row per item (caterpillar, forest, bar): the title at the
    /// left edge, and only the value axis, along the bottom, with its gridlines, ticks and label.
    mutating func drawValueAxis(title: String, label: String, ticks count: Int = 6) {
        canvas.text(title, x: 8, y: 18, class: "title")
        let xs = x.ticks(count: count)
        for tick in xs {
            canvas.line(x(tick), top, x(tick), bottom, class: "grid")
            canvas.text(x.label(tick, among: xs), x: x(tick), y: bottom + 16, anchor: "middle", class: "tick")
        }
        canvas.line(left, bottom, right, bottom, class: "axis")
        canvas.text(label, x: (left + right) / 2, y: bottom + 36, anchor: "middle")
    }

    /// A legend in the top-right corner of the plotting area: a swatch per series in its colour
    /// class and its name.
    mutating func drawLegend(_ entries: [(name: String, cssClass: String)]) {
        guard !entries.isEmpty else { return }
        let longest = entries.map(\.name.count).max() ?? 0
        let boxWidth = Double(min(longest, 40)) * 6.2 + 30
        let x0 = right - boxWidth - 4
        canvas.rect(x: x0, y: top + 4, width: boxWidth, height: Double(entries.count) * 16 + 6, class: "legend")
        for (index, entry) in entries.enumerated() {
            let py = top + 16 + Double(index) * 16
            canvas.rect(x: x0 + 6, y: py - 8, width: 12, height: 8, class: "swatch " + entry.cssClass)
            canvas.text(String(entry.name.prefix(40)), x: x0 + 24, y: py, class: "tick")
        }
    }

    /// A legend under the x axis, in two columns (the frame made with `legendRowsBelow` of
    /// (entries + 1) / 2): for many series, where a box would cover the points.
    mutating func drawLegendBelow(_ entries: [(name: String, cssClass: String)]) {
        let columnWidth = (right - left) / 2
        for (index, entry) in entries.enumerated() {
            let x0 = left + Double(index % 2) * columnWidth, py = bottom + 56 + Double(index / 2) * 16
            canvas.rect(x: x0, y: py - 8, width: 12, height: 8, class: "swatch " + entry.cssClass)
            canvas.text(String(entry.name.prefix(44)), x: x0 + 18, y: py, class: "tick")
        }
    }

    /// A horizontal reference line at `value` (dashed, class `ref`), with a label at the right.
    mutating func horizontalReference(_ value: Double, label: String? = nil) {
        guard y.contains(value) else { return }
        canvas.line(left, y(value), right, y(value), class: "ref")
        if let label { canvas.text(label, x: right - 4, y: y(value) - 4, anchor: "end", class: "tick") }
    }

    /// A vertical reference line at `value`, with a label at the top (`labelRow` lines down, so
    /// labels of close lines do not overlap).
    mutating func verticalReference(_ value: Double, label: String? = nil, class cssClass: String = "ref", labelRow: Int = 0) {
        guard x.contains(value) else { return }
        canvas.line(x(value), top, x(value), bottom, class: cssClass)
        if let label { canvas.text(label, x: x(value) + 3, y: top + 10 + 12 * Double(labelRow), class: "tick halo") }
    }

    /// The finished chart, with a note when elements were dropped as non-finite.
    func chart(id: String, kind: String, title: String, notes: [String]) -> Chart {
        var all = notes
        if let note = ChartText.skipped(canvas.droppedElements, what: "coordinates") { all.append(note) }
        return Chart(id: id, kind: kind, title: title, svg: canvas.render(id: id, kind: kind, title: title), notes: all)
    }
}
