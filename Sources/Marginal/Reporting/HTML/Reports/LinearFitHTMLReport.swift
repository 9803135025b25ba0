extension LinearMixedModelFit {
    /// The HTML report of `marginal fit --report`: the summary as printed (`summary`, which may
    /// carry bootstrap intervals), residuals against fitted values, the normal QQ plot of the
    /// scaled residuals, caterpillar plots of the conditional modes, the optimizer's trace and
    /// the singular-fit and convergence notes.
    public func htmlReport(summary: String, dataName: String) -> HTMLReport {
        let scaled = residuals.indices.map { residuals[$0] * (weights?[$0].squareRoot() ?? 1) / sigma }
        let residualChart = ScatterChart(
            title: "Residuals against fitted values", xLabel: "fitted \(responseName)", yLabel: "residual (\(responseName) − fitted)",
            series: [ScatterChart.Series(name: "residuals", x: fitted, y: residuals)], horizontalLine: 0)
        let qq = QQChart(title: "Normal QQ plot of the scaled residuals", valueLabel: "scaled residual (residual × √weight / σ̂)", values: scaled)
        var report = HTMLReport(title: "Linear mixed model fit", subtitle: "\(formula)   ·   data: \(dataName)")
        report.sections = [
            HTMLReport.Section(title: "Summary", blocks: FitReportSections.notes(
                singular: isSingular, converged: optimization.converged, message: optimization.message, warnings: warnings) + [.preformatted(summary)]),
            HTMLReport.Section(title: "Residuals", blocks: [.charts([residualChart.render(id: "residuals-fitted"), qq.render(id: "qq-residuals")])]),
            FitReportSections.randomEffects(randomEffects),
            FitReportSections.optimizerTrace(optimization.log.map(\.objective),
                                             objectiveName: criterion == .reml ? "REML criterion" : "deviance", optimizer: optimization.optimizer),
        ]
        return report
    }
}
