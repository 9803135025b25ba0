extension BinaryVarianceExample.Result {
    /// The HTML report of `marginal example binary-variance --report`: the printed table and each
    /// method's mean τ̂ beside the truth, and its RMSE, as bars.
    public func htmlReport() -> HTMLReport {
        let names = methods.map(\.method)
        let means = BarChart(
            title: "Mean estimate of τ (truth \(NumberFormat.significant(truth, 3)))", valueLabel: "τ̂",
            categories: names + ["truth"], measures: [("mean τ̂", methods.map(\.meanEstimate) + [truth])])
        let errors = BarChart(title: "RMSE of τ̂", valueLabel: "RMSE", categories: names, measures: [("RMSE", methods.map(\.rmse))])
        var report = HTMLReport(title: "A variance component from binary data", subtitle: "\(groups) groups × \(perGroup) Bernoulli outcomes · \(replicates) replicates · seed \(seed)")
        report.sections = [
            HTMLReport.Section(title: "Result", blocks: [.preformatted(text)]),
            HTMLReport.Section(title: "Estimates of τ", blocks: [.charts([means.render(id: "binary-variance-means"), errors.render(id: "binary-variance-rmse")])]),
        ]
        return report
    }
}
