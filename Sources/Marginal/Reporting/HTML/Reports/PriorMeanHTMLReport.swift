extension PriorMeanExample.Result {
    /// The HTML report of `marginal example prior-mean --report`: the printed result, γ̂
    /// against the true γ per method with the identity line, the slopes as bars, and the gradient
    /// flow of each joint MAP run.
    public func htmlReport() -> HTMLReport {
        let scatter = ScatterChart(
            title: "Estimated against true γ", xLabel: "true γ", yLabel: "estimate γ̂",
            series: fits.map { ScatterChart.Series(name: $0.method, x: truth.gamma, y: $0.gamma, labels: $0.gamma.indices.map { k in "γ\(k + 1)" }) },
            identityLine: true)
        let slopes = BarChart(title: "Slope of γ̂ on γ (1: no attenuation)", valueLabel: "slope",
                              categories: fits.map(\.method), measures: [("slope", fits.map(\.slope))])
        let flows = fits.compactMap { fit in fit.gradientFlow.map { $0.chart(title: "Gradient flow, \(fit.method)", id: ChartText.identifier("gradient-flow", fit.method)) } }
        var report = HTMLReport(title: "Hyperparameters in the prior mean", subtitle: "\(groups) groups × \(perGroup) observations · \(formula)")
        report.sections = [
            HTMLReport.Section(title: "Result", blocks: [.preformatted(text)]),
            HTMLReport.Section(title: "Estimates of γ", blocks: [
                .paragraph("Each point is one group-level coefficient; on the dashed identity line the estimate equals the truth. Points flattened towards 0 are attenuated."),
                .charts([scatter.render(id: "prior-mean-gamma"), slopes.render(id: "prior-mean-slopes")]),
            ]),
            HTMLReport.Section(title: "Joint MAP gradient flow", blocks: [.charts(flows)]),
        ]
        return report
    }
}
