import Foundation

extension PriorVarianceExample.Result {
    /// The HTML report of `marginal example prior-variance --report`: the printed result, the
    /// joint log density over (w, log₁₀ σ²) as a heat map with its stationary points and the
    /// empirical-Bayes estimate, and the density along w = σ → 0.
    public func htmlReport() -> HTMLReport {
        let reach = max(abs(wHat), wHatVariance.squareRoot(), stationaryPoints.map { abs($0.w) }.max() ?? 0)
        let wLow = min(0, wHat) - 0.5 * reach - 0.1, wHigh = max(0, wHat) + 0.5 * reach + 0.1
        let topExponent = log10(max(4 * reach * reach, 1)) + 1
        let w = (0..<72).map { wLow + (wHigh - wLow) * (Double($0) + 0.5) / 72 }
        let bottomExponent = min(-3, (stationaryPoints.map { log10(max($0.sigma2, 1e-12)) }.min() ?? 0) - 0.5)
        let exponents = (0..<54).map { bottomExponent + (topExponent - bottomExponent) * (Double($0) + 0.5) / 54 }
        let values = exponents.map { e in w.map { model.jointLogDensity(w: $0, logSigma2: e * log(10)) } }
        var markers = stationaryPoints.map { HeatmapChart.Marker(x: $0.w, y: log10($0.sigma2), label: $0.kind) }
        var notes: [HTMLReport.Block] = []
        let eb = empiricalBayes.closedForm
        var heatmap = HeatmapChart(title: "Joint log density over (w, σ²)", xLabel: "w", yLabel: "log₁₀ σ²", valueLabel: "log p(y, w | σ²)",
                                   x: w, y: exponents, values: values, markers: [])
        if eb > 0 {
            let shrunk = wHat * eb / (eb + wHatVariance)
            markers.append(HeatmapChart.Marker(x: shrunk, y: log10(eb), label: "empirical Bayes", labelBelow: true))
            heatmap.horizontalLines = [(log10(eb), "σ² (EB) = \(ChartText.number(eb))")]
        } else {
            notes.append(.note("The empirical-Bayes estimate is σ² = 0, off the log axis: the data do not support a positive prior variance."))
        }
        heatmap.markers = markers
        var path = LineChart(title: "Along w = σ → 0 the joint log density grows without bound", xLabel: "|w| = σ (log scale)", yLabel: "joint log density",
                             series: [LineChart.Series(name: "w = σ", points: self.path.map { (abs($0.w), $0.logDensity) }, markers: true)])
        path.logX = true
        if let local = stationaryPoints.first(where: { $0.kind == "local maximum" }) {
            path.references = [(local.logDensity, "local maximum")]
        }
        var report = HTMLReport(title: "Learning a prior variance by joint maximization", subtitle: "n = \(model.n), true w = \(ChartText.number(trueW)), s = \(ChartText.number(model.noiseSD)), seed \(seed)")
        report.sections = [
            HTMLReport.Section(title: "Result", blocks: [.preformatted(text)]),
            HTMLReport.Section(title: "The joint density", blocks: notes + [
                .paragraph("The joint log density of y and w given σ² has at best a saddle and a local maximum, and no global maximum: it grows without bound "
                    + "as w and σ shrink together. The empirical-Bayes σ² maximizes the marginal likelihood instead; its marker is at the posterior mean of w."),
                .charts([heatmap.render(id: "prior-variance-joint"), path.render(id: "prior-variance-path")]),
            ]),
        ]
        return report
    }
}
