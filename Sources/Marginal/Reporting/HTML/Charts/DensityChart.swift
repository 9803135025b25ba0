import Foundation

/// Kernel density estimates (Gaussian kernel, Silverman's rule-of-thumb bandwidth), one curve
/// per series, with vertical marks at given values (the 5 %, 50 % and 95 % quantiles of a
/// posterior): the marginal posterior of a parameter, or the energy plot's two distributions.
public struct DensityChart: Sendable {
    /// One curve.
    public typealias Series = NamedValues

    public var title: String
    public var xLabel: String
    public var series: [Series]
    /// Vertical marks and their labels.
    public var marks: [(value: Double, label: String)] = []
    public var width = 560.0
    public var height = 260.0

    public init(title: String, xLabel: String, series: [Series], marks: [(value: Double, label: String)] = []) {
        self.title = title
        self.xLabel = xLabel
        self.series = series
        self.marks = marks
    }

    /// The density of `values` at `grid` (empty when fewer than two distinct values).
    static func kernelDensity(_ values: [Double], at grid: [Double]) -> [Double] {
        let n = Double(values.count)
        guard values.count >= 2 else { return [] }
        let mean = values.reduce(0, +) / n
        let sd = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot()
        let sorted = values.sorted()
        let iqr = SampleQuantile.value(sorted: sorted, probability: 0.75) - SampleQuantile.value(sorted: sorted, probability: 0.25)
        let spread = iqr > 0 ? min(sd, iqr / 1.34) : sd
        guard spread > 0, spread.isFinite else { return [] }
        let bandwidth = 0.9 * spread * pow(n, -0.2)
        // Binned: values counted on a fine grid first, so the cost is O(n + grid × bins).
        let bins = 512
        let low = sorted[0] - 4 * bandwidth, high = sorted[sorted.count - 1] + 4 * bandwidth
        let step = (high - low) / Double(bins - 1)
        var weights = [Double](repeating: 0, count: bins)
        for value in sorted {
            let index = Int(((value - low) / step).rounded())
            weights[min(max(index, 0), bins - 1)] += 1
        }
        let norm = 1 / (n * bandwidth * (2 * Double.pi).squareRoot())
        return grid.map { x in
            var sum = 0.0
            for (b, weight) in weights.enumerated() where weight > 0 {
                let z = (x - (low + Double(b) * step)) / bandwidth
                if abs(z) < 6 { sum += weight * exp(-0.5 * z * z) }
            }
            return sum * norm
        }
    }

    public func render(id: String) -> Chart {
        let clean = series.map { $0.values.filter(\.isFinite) }
        let skipped = series.reduce(0) { $0 + $1.values.count } - clean.reduce(0) { $0 + $1.count }
        let all = clean.flatMap { $0 }
        let low = all.min() ?? 0, high = all.max() ?? 1
        let grid = (0..<160).map { low + (high - low) * Double($0) / 159 }
        let curves = clean.map { Self.kernelDensity($0, at: grid) }
        var frame = PlotFrame(width: width, height: height, xValues: all + marks.map(\.value).filter(\.isFinite), yValues: curves.flatMap { $0 }, includeY: [0])
        frame.drawAxes(title: title, xLabel: xLabel, yLabel: "density")
        for (index, curve) in curves.enumerated() where !curve.isEmpty {
            let points = zip(grid, curve).map { (frame.x($0.0), frame.y($0.1)) }
            let baseline = [(frame.x(grid[grid.count - 1]), frame.y(0)), (frame.x(grid[0]), frame.y(0))]
            frame.canvas.polyline(points + baseline, closed: true, class: "area " + Palette.seriesClass(index), title: series[index].name)
            frame.canvas.polyline(points, class: "line " + Palette.seriesClass(index))
        }
        for (index, mark) in marks.enumerated() where mark.value.isFinite {
            frame.verticalReference(mark.value, label: mark.label, class: "mark", labelRow: index)
        }
        if series.count > 1 { frame.drawLegend(series.indices.map { (series[$0].name, Palette.seriesClass($0)) }) }
        var notes = [ChartText.skipped(skipped)].compactMap { $0 }
        if curves.allSatisfy(\.isEmpty) { notes.append("Too few distinct values to estimate a density.") }
        return frame.chart(id: id, kind: "density", title: title, notes: notes)
    }
}
