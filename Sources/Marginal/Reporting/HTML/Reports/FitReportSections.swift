/// The sections a linear and a generalized fit's reports share: caterpillar plots of the
/// conditional modes, the optimizer's trace, and the fit's notes in words.
enum FitReportSections {
    /// One caterpillar plot per grouping factor and column: the conditional mode with the
    /// interval mode ± 1.96 conditional SDs.
    static func randomEffects(_ groups: [ConditionalModes]) -> HTMLReport.Section {
        var charts: [Chart] = []
        for group in groups {
            for (s, column) in group.names.enumerated() {
                let rows = group.levels.indices.map { level -> CaterpillarChart.Row in
                    let mode = group.modes[level, s], sd = group.conditionalSD[level, s]
                    return CaterpillarChart.Row(label: group.levels[level], estimate: mode, lower: mode - 1.96 * sd, upper: mode + 1.96 * sd)
                }
                let chart = CaterpillarChart(title: "\(group.group): \(column) (\(group.levels.count) levels)",
                                             valueLabel: "conditional mode of \(column) ± 1.96 conditional SD", rows: rows)
                charts.append(chart.render(id: ChartText.identifier("caterpillar", group.group, column)))
            }
        }
        let blocks: [HTMLReport.Block] = groups.isEmpty
            ? [.paragraph("The model has no random effects.")]
            : [.paragraph("Each level's conditional mode (BLUP) with the interval mode ± 1.96 conditional SDs, sorted; levels whose interval excludes 0 differ from the population mean."),
               .charts(charts)]
        return HTMLReport.Section(title: "Random effects", blocks: blocks)
    }

    /// The objective at each evaluation of the optimizer, with the minimum as a reference and
    /// `firstStage` evaluations shaded (a GLMM's stage over θ alone).
    static func optimizerTrace(_ objectives: [Double], objectiveName: String, optimizer: String, firstStage: Int = 0) -> HTMLReport.Section {
        var chart = LineChart(
            title: "\(objectiveName) per evaluation (\(optimizer))", xLabel: "evaluation", yLabel: objectiveName,
            series: [LineChart.Series(name: objectiveName, points: objectives.enumerated().map { (Double($0.offset + 1), $0.element) },
                                      markers: objectives.count <= 60)])
        if let best = objectives.filter(\.isFinite).min() { chart.references = [(best, "minimum \(ChartText.number(best))")] }
        if firstStage > 0 { chart.bands = [LineChart.Band(from: 0.5, to: Double(firstStage) + 0.5, label: "θ (β by PIRLS)")] }
        return HTMLReport.Section(title: "Optimizer", blocks: [.charts([chart.render(id: "optimizer-trace")])])
    }

    /// The singular-fit and convergence notes, in words, then the fit's warnings.
    static func notes(singular: Bool, converged: Bool, message: String, warnings: [String]) -> [HTMLReport.Block] {
        var blocks: [HTMLReport.Block] = []
        if singular {
            blocks.append(.note("The fit is singular: at the estimate some random-effect variance is zero or some correlation is ±1, "
                + "so the random-effect structure is more complex than the data support; consider removing a term or a correlation."))
        }
        blocks.append(.note(converged
            ? "The optimizer converged (\(message))."
            : "The optimizer did not report convergence (\(message)): treat the estimates with care, and try another --optimizer or a simpler model."))
        blocks += warnings.map { .note("Warning: \($0)") }
        return blocks
    }
}
