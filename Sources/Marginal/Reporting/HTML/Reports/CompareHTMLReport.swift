extension MethodComparison {
    /// The HTML report of `marginal compare --report`: the table as printed (`text`), a forest
    /// plot per parameter with each method's estimate and its 95 % interval where it has one
    /// (NUTS: the central posterior interval; VI: the central interval under q; ML, REML and EM,
    /// on fixed effects: estimate ± 1.96 SE) and its warnings, the joint MAP gradient flow as bar
    /// charts, and the objective per iteration of the methods that record one.
    public func htmlReport(text: String, dataName: String) -> HTMLReport {
        let printed = ComparisonReport(self)
        var page = HTMLReport(title: "Comparison of estimation methods", subtitle: "\(formula)   ·   data: \(dataName)   ·   \(observations) observations")
        // Each method's named values, and the parameters in the order they first appear.
        let named = printed.methods.map { method in
            ParameterNames.rows(fixed: method.fixef.map { ($0.name, $0.estimate) }, sigma: method.sigma, components: method.varcomp)
        }
        var order: [String] = []
        for name in named.flatMap({ $0.map(\.name) }) where !order.contains(name) { order.append(name) }
        let forests = order.map { name in
            let rows = printed.methods.enumerated().map { index, method -> ForestPlot.Row in
                let value = named[index].first { $0.name == name }?.value
                let se = method.fixef.first { "b[\($0.name)]" == name }?.stdError
                let posterior = results[index].intervals.first { $0.name == name }.map { (lower: $0.lower, upper: $0.upper) }
                let interval = posterior ?? value.flatMap { v in se.flatMap { $0.isFinite ? (v - 1.96 * $0, v + 1.96 * $0) : nil } }
                return ForestPlot.Row(method: method.method, estimate: value, interval: interval, warnings: method.warnings)
            }
            return ForestPlot(parameter: name, rows: rows, intervalDescription: "estimate with 95% interval where the method has one")
                .render(id: ChartText.identifier("forest", name))
        }
        var sections = [
            HTMLReport.Section(title: "Summary", blocks: warnings.map { .note("Warning: \($0)") } + [.preformatted(text)]),
            HTMLReport.Section(title: "Estimates by method", blocks: [
                .paragraph("One panel per parameter, one row per method. Bars are NUTS's 95% central posterior intervals and VI's central intervals "
                    + "under the variational posterior q (every parameter) and, on fixed effects, estimate ± 1.96 SE for ML, REML and EM; "
                    + "joint MAP gives none. ⚠ marks a method with warnings (hover for them)."),
                .charts(forests),
            ]),
        ]
        let flows = results.compactMap { result in
            result.gradientFlow.map { $0.chart(title: "Gradient flow of \(result.method.rawValue)", id: ChartText.identifier("gradient-flow", result.method.rawValue)) }
        }
        if !flows.isEmpty {
            sections.append(HTMLReport.Section(title: "Joint MAP gradient flow", blocks: [
                .paragraph("Norms of the gradient of the log likelihood and of the log prior per parameter block, at the start and at the end. "
                    + "A hyperparameter whose likelihood bar is missing gets no gradient from the data: only the random effects' prior moves it."),
                .charts(flows),
            ]))
        }
        let traces = results.filter { !$0.objectiveTrace.isEmpty }.map { result in
            LineChart(title: "\(result.method.objectiveName) of \(result.method.rawValue) per iteration", xLabel: "iteration",
                      yLabel: result.method.objectiveName,
                      series: [LineChart.Series(name: result.method.rawValue, points: result.objectiveTrace.map { (Double($0.iteration), $0.value) },
                                                markers: result.objectiveTrace.count <= 60)])
                .render(id: ChartText.identifier("objective", result.method.rawValue))
        }
        if !traces.isEmpty {
            sections.append(HTMLReport.Section(title: "Objectives per iteration", blocks: [
                .paragraph("ML and REML: the criterion at each evaluation of the optimizer; EM: the deviance at each accepted iterate; VI: the ELBO estimates."),
                .charts(traces),
            ]))
        }
        page.sections = sections
        return page
    }
}
