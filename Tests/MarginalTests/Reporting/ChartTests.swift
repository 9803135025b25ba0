import Foundation
@testable import Marginal
import Testing

/// The SVG writer and the charts on their own: escaping, non-finite values kept out of the
/// drawing (and said so), nice ticks, the summary of large factors, thinning of large data.
@Suite struct ChartTests {
    @Test func escapesTextAndDropsControlCharacters() {
        #expect(XMLEscape.escape("a<b & \"c\" 'd'>") == "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;")
        #expect(XMLEscape.escape("tab\there\u{01}") == "tab\there")
        #expect(XMLEscape.escape("plain") == "plain")
    }

    @Test func formatsCoordinatesWithOneDecimal() {
        #expect(SVGNumber.text(12.34) == "12.3")
        #expect(SVGNumber.text(-0.05) == "-0.1" || SVGNumber.text(-0.05) == "0")
        #expect(SVGNumber.text(7) == "7")
        #expect(SVGNumber.text(-3.96) == "-4")
    }

    @Test func niceTicks() {
        let scale = AxisScale(covering: [0.3, 9.7], start: 0, end: 100)
        let ticks = scale.ticks(count: 5)
        #expect(ticks == [0, 2, 4, 6, 8, 10])
        #expect(scale.label(2, among: ticks) == "2")
        let log = AxisScale(covering: [10, 100_000], start: 0, end: 100, logarithmic: true)
        #expect(log.ticks(count: 6).allSatisfy { [10, 100, 1_000, 10_000, 100_000].contains($0) })
        #expect(AxisScale.niceStep(0.013) == 0.02)
    }

    @Test func nonFiniteValuesNeverReachTheSVG() throws {
        let scatter = ScatterChart(title: "t", xLabel: "x", yLabel: "y",
                                   series: [.init(name: "s", x: [1, .nan, 3, 4], y: [1, 2, .infinity, 4])]).render(id: "s")
        #expect(scatter.notes.contains { $0.hasPrefix("2 non-finite points") })
        let line = LineChart(title: "t", xLabel: "x", yLabel: "y", series: [.init(name: "s", points: [(1, 1), (2, .nan), (3, 2)])]).render(id: "l")
        let density = DensityChart(title: "t", xLabel: "x", series: [.init(name: "s", values: [1, 2, 2.5, .nan, -.infinity])]).render(id: "d")
        let qq = QQChart(title: "t", valueLabel: "v", values: [.nan, 1, 2, 3, 4, 5]).render(id: "q")
        let forest = ForestPlot(parameter: "p", rows: [.init(method: "a", estimate: .nan), .init(method: "b", estimate: 1, interval: (0, .infinity))],
                                intervalDescription: "e").render(id: "f")
        let bars = BarChart(title: "t", valueLabel: "v", categories: ["a", "b"], measures: [("m", [1, .nan])]).render(id: "b")
        let heat = HeatmapChart(title: "t", xLabel: "x", yLabel: "y", valueLabel: "v", x: [0, 1], y: [0, 1], values: [[1, .nan], [.infinity, 2]],
                                markers: [.init(x: .nan, y: 0, label: "m")]).render(id: "h")
        for chart in [scatter, line, density, qq, forest, bars, heat] {
            let structure = try ReportStructure(html: HTMLReport(title: "t", subtitle: "s", sections: [.init(title: "c", blocks: [.charts([chart])])]).html())
            structure.checkCommon()
            #expect(!chart.notes.isEmpty, "\(chart.kind) says nothing about the values it left out")
        }
    }

    @Test func largeFactorsAreSummarized() {
        let rows = (0..<4_000).map { CaterpillarChart.Row(label: "L\($0)", estimate: Double($0), lower: Double($0) - 1, upper: Double($0) + 1) }
        let chart = CaterpillarChart(title: "g", valueLabel: "v", rows: rows.shuffled())
        let (shown, note, extremes) = chart.shownRows()
        #expect(extremes == 30)
        #expect(shown.count == 100)
        #expect(shown.first?.label == "L0" && shown.last?.label == "L3999")
        #expect(shown.map(\.estimate) == shown.map(\.estimate).sorted())
        #expect(note?.contains("4000 levels") == true)
        let svg = chart.render(id: "c").svg
        #expect(svg.components(separatedBy: "<circle").count - 1 == 100)
    }

    @Test func manyPointsBecomeADensity() {
        let n = 50_000
        let chart = ScatterChart(title: "t", xLabel: "x", yLabel: "y",
                                 series: [.init(name: "s", x: (0..<n).map { Double($0) }, y: (0..<n).map { sin(Double($0)) })]).render(id: "s")
        #expect(chart.svg.utf8.count < 400_000)
        #expect(!chart.svg.contains("<circle"))
        #expect(chart.notes.contains { $0.contains("density") })
    }

    @Test func htmlTableHighlightsFlaggedCells() {
        let table = HTMLTable(id: "t", header: ["a", "b"], rows: [["x<y", HTMLTable.Cell("1.05", flag: "R̂ above 1.01")]]).html()
        #expect(table.contains("<td>x&lt;y</td>"))
        #expect(table.contains("<td class=\"flag\" title=\"R̂ above 1.01\">1.05</td>"))
    }

    @Test func reportEscapesUserText() throws {
        var report = HTMLReport(title: "<b>", subtitle: "y ~ x & z")
        report.sections = [.init(title: "s", blocks: [.preformatted("</pre><script>"), .charts([
            CaterpillarChart(title: "g<", valueLabel: "v", rows: [.init(label: "<script>", estimate: 1, lower: 0, upper: 2)]).render(id: "c"),
        ])])]
        let html = report.html()
        #expect(!html.contains("<script>"))
        #expect(html.contains("&lt;script&gt;"))
        try ReportStructure(html: html).checkCommon()
    }
}
