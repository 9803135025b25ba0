extension GeneralizedLinearMixedModelFit {
    /// The HTML report of `marginal fit --family … --report`: the summary as printed, Pearson
    /// residuals against the linear predictor, the normal QQ plot of the deviance residuals,
    /// caterpillar plots of the conditional modes (on the link scale), the Laplace deviance per
    /// evaluation as the optimizer reported it (`objectiveTrace`, collected from the fit's
    /// `progress` callback; the stage over θ alone shaded), and the singular-fit and convergence
    /// notes.
    public func htmlReport(summary: String, dataName: String, objectiveTrace: [Double]) -> HTMLReport {
        let residualChart = ScatterChart(
            title: "Pearson residuals against the linear predictor", xLabel: "linear predictor η̂ (\(link.rawValue) scale)",
            yLabel: "Pearson residual", series: [ScatterChart.Series(name: "residuals", x: linearPredictor, y: pearsonResiduals)], horizontalLine: 0)
        let qq = QQChart(title: "Normal QQ plot of the deviance residuals", valueLabel: "deviance residual", values: devianceResiduals)
        let stages = "BOBYQA: \(evaluations.firstStage) evaluations over θ, then \(evaluations.secondStage) over (θ, β)"
        var report = HTMLReport(title: "Generalized linear mixed model fit (\(family), \(link.rawValue) link)", subtitle: "\(formula)   ·   data: \(dataName)")
        report.sections = [
            HTMLReport.Section(title: "Summary", blocks: FitReportSections.notes(
                singular: isSingular, converged: converged, message: stages, warnings: warnings) + [.preformatted(summary)]),
            HTMLReport.Section(title: "Residuals", blocks: [.charts([residualChart.render(id: "residuals-fitted"), qq.render(id: "qq-residuals")])]),
            FitReportSections.randomEffects(randomEffects),
            FitReportSections.optimizerTrace(objectiveTrace, objectiveName: "Laplace deviance", optimizer: nAGQ > 1 ? "adaptive quadrature, \(nAGQ) points" : "Laplace",
                                             firstStage: evaluations.firstStage),
        ]
        return report
    }
}
