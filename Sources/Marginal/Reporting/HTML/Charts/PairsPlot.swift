/// A pairs plot: every pair of variables as a small scatter plot below the diagonal, with the
/// divergent transitions marked in vermillion over the others, and each variable's histogram on
/// the diagonal. Non-divergent draws beyond ``maximumPointsPerPanel`` are thinned evenly;
/// divergent ones are always drawn.
public struct PairsPlot: Sendable {
    public var title: String
    public var names: [String]
    /// `draws[k][v]`: draw k of variable v.
    public var draws: [[Double]]
    /// Whether draw k was divergent.
    public var divergent: [Bool]
    public var maximumPointsPerPanel = 300

    public init(title: String, names: [String], draws: [[Double]], divergent: [Bool]) {
        self.title = title
        self.names = names
        self.draws = draws
        self.divergent = divergent
    }

    public func render(id: String) -> Chart {
        let count = names.count
        let panel = count <= 4 ? 150.0 : max(80, 600 / Double(count))
        let margin = 40.0
        let size = margin + panel * Double(count) + 10
        var canvas = SVGCanvas(width: size, height: size + 30)
        canvas.text(title, x: 8, y: 18, class: "title")
        let rows = draws.filter { $0.count == count && $0.allSatisfy(\.isFinite) }
        let skipped = draws.count - rows.count
        let flags = draws.indices.filter { draws[$0].count == count && draws[$0].allSatisfy(\.isFinite) }.map { $0 < divergent.count && divergent[$0] }
        let stride = max(1, rows.count / maximumPointsPerPanel)
        let chosen = rows.indices.filter { $0 % stride == 0 && !flags[$0] } + rows.indices.filter { flags[$0] }
        let top = 30.0
        for v in 0..<count {
            let column = rows.map { $0[v] }
            let scale = AxisScale(covering: column, start: 0, end: panel - 8, nice: false)
            // Diagonal: histogram.
            let x0 = margin + Double(v) * panel, y0 = top + Double(v) * panel
            let range = (column.min() ?? 0)...max(column.max() ?? 1, (column.min() ?? 0) + 1e-12)
            let counts = HistogramChart.counts(column, bins: 16, range: range)
            let highest = Double(counts.max() ?? 1)
            canvas.rect(x: x0 + 2, y: y0 + 2, width: panel - 4, height: panel - 4, class: "panel")
            for (b, n) in counts.enumerated() where n > 0 {
                let h = (panel - 12) * Double(n) / highest
                canvas.rect(x: x0 + 4 + Double(b) * (panel - 8) / 16, y: y0 + panel - 4 - h, width: (panel - 8) / 16 - 0.5, height: h, class: "hist s0")
            }
            canvas.text(String(names[v].prefix(Int(panel / 6.5))), x: x0 + panel / 2, y: y0 + 14, anchor: "middle", class: "tick")
            for w in 0..<v {
                let other = rows.map { $0[w] }
                let xScale = AxisScale(covering: other, start: 0, end: panel - 8, nice: false)
                let px0 = margin + Double(w) * panel, py0 = top + Double(v) * panel
                canvas.rect(x: px0 + 2, y: py0 + 2, width: panel - 4, height: panel - 4, class: "panel")
                for k in chosen {
                    let cssClass = flags[k] ? "pt divergent" : "pt s0 faint"
                    let px = px0 + 4 + xScale(rows[k][w]), py = py0 + panel - 4 - scale(rows[k][v])
                    canvas.circle(px, py, radius: flags[k] ? 2.6 : 1.6, class: cssClass,
                                  title: flags[k] ? "divergent: \(names[w]) = \(ChartText.number(rows[k][w])), \(names[v]) = \(ChartText.number(rows[k][v]))" : nil)
                }
            }
        }
        let divergences = flags.filter { $0 }.count
        canvas.text("\(divergences) divergent transitions (vermillion)", x: margin, y: size + 18, class: "tick")
        var notes: [String] = []
        if stride > 1 { notes.append("Each panel shows every \(stride)th of \(rows.count) draws, and every divergent one.") }
        if let note = ChartText.skipped(skipped, what: "draws") { notes.append(note) }
        if let note = ChartText.skipped(canvas.droppedElements, what: "coordinates") { notes.append(note) }
        return Chart(id: id, kind: "pairs", title: title, svg: canvas.render(id: id, kind: "pairs", title: title), notes: notes)
    }
}
