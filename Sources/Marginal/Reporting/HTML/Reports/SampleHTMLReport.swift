import Foundation

extension PosteriorSample {
    /// The HTML report of `marginal sample --report`: the summary as printed, the diagnostics
    /// table (R̂ above 1.01 and fewer than 100 effective draws per chain highlighted), per global
    /// parameter a trace plot per chain, a rank histogram per chain and the marginal density with
    /// its 5/50/95 % quantiles, a pairs plot with the divergent transitions marked, the sampler's
    /// energy (E-BFMI), step size and tree depth per chain, and caterpillar plots of the
    /// recovered random effects.
    public func htmlReport(summary: String, dataName: String) -> HTMLReport {
        var report = HTMLReport(title: "Posterior sample (NUTS)", subtitle: "\(formula)   ·   data: \(dataName)   ·   \(chains) chains × \(draws) draws after \(warmup) warmup")
        report.sections = [
            HTMLReport.Section(title: "Summary", blocks: warnings.map { .note("Warning: \($0)") } + [.preformatted(summary)]),
            HTMLReport.Section(title: "Diagnostics", blocks: [
                .paragraph("Rank-normalized split R̂ and bulk and tail ESS (Vehtari et al. 2021). Highlighted: R̂ above 1.01 (the chains disagree) and fewer than 100 effective draws per chain."),
                .table(diagnosticsTable()),
            ]),
            HTMLReport.Section(title: "Parameters", blocks: parameterBlocks()),
            pairsSection(),
            samplerSection(),
            randomEffectsSection(),
        ]
        return report
    }

    func diagnosticsTable() -> HTMLTable {
        let minimumESS = 100 * Double(chains)
        func f(_ x: Double) -> String { NumberFormat.significant(x, 4) }
        let rows = parameters.map { p -> [HTMLTable.Cell] in
            [HTMLTable.Cell(p.name), HTMLTable.Cell(f(p.mean)), HTMLTable.Cell(f(p.sd)), HTMLTable.Cell(f(p.q5)), HTMLTable.Cell(f(p.q50)), HTMLTable.Cell(f(p.q95)),
             HTMLTable.Cell(String(format: "%.0f", p.essBulk), flag: p.essBulk >= minimumESS ? nil : "bulk ESS below 100 per chain"),
             HTMLTable.Cell(String(format: "%.0f", p.essTail), flag: p.essTail >= minimumESS ? nil : "tail ESS below 100 per chain"),
             HTMLTable.Cell(String(format: "%.3f", p.rhat), flag: p.rhat <= 1.01 ? nil : "R̂ above 1.01")]
        }
        return HTMLTable(id: "diagnostics", header: ["parameter", "mean", "sd", "5%", "50%", "95%", "ESS bulk", "ESS tail", "R̂"], rows: rows)
    }

    /// Per parameter: the trace per chain, the rank histogram per chain and the density.
    func parameterBlocks() -> [HTMLReport.Block] {
        var blocks: [HTMLReport.Block] = [.paragraph(
            "Traces show each chain's warmup (shaded) and its \(draws) draws after it. "
                + "Rank plots: the draws of all chains ranked together, one histogram per chain; when the chains agree each is flat around the dashed line.")]
        for (index, parameter) in parameters.enumerated() {
            let perChain = chainDraws(index)
            let warmupPerChain = warmupChainDraws(index)
            let shown = warmupPerChain.first?.count ?? 0
            var trace = LineChart(
                title: "Trace of \(parameter.name)", xLabel: "iteration (warmup, then draws)", yLabel: parameter.name,
                series: perChain.enumerated().map { chain, values in
                    let all = (chain < warmupPerChain.count ? warmupPerChain[chain] : []) + values
                    return LineChart.Series(name: "chain \(chain + 1)", points: all.enumerated().map { (Double($0.offset + 1), $0.element) })
                })
            if shown > 0 { trace.bands = [LineChart.Band(from: 0.5, to: Double(shown) + 0.5, label: "warmup")] }
            trace.width = 430
            trace.height = 260
            let ranks = AverageRanks.of(perChain.flatMap { $0 })
            var offset = 0
            let panels = perChain.enumerated().map { chain, values -> HistogramChart.Panel in
                defer { offset += values.count }
                return HistogramChart.Panel(name: "chain \(chain + 1)", values: Array(ranks[offset..<(offset + values.count)]))
            }
            var rank = HistogramChart(title: "Rank plot of \(parameter.name)", xLabel: "rank of the draw among all chains' draws",
                                      panels: panels, bins: 20, uniformReference: true, range: 0.5...(Double(ranks.count) + 0.5))
            rank.width = 370
            var density = DensityChart(
                title: "Posterior density", xLabel: parameter.name,
                series: [DensityChart.Series(name: parameter.name, values: perChain.flatMap { $0 })],
                marks: [(parameter.q5, "5%"), (parameter.q50, "50%"), (parameter.q95, "95%")])
            density.width = 300
            let id = ChartText.identifier(parameter.name)
            blocks.append(.charts([
                trace.render(id: "trace-" + id), rank.render(id: "rank-" + id), density.render(id: "density-" + id),
            ]))
        }
        return blocks
    }

    /// The pairs plot of the first eight global parameters, divergences marked.
    func pairsSection() -> HTMLReport.Section {
        let shown = Array(parameters.prefix(8).indices)
        let rows = globalDraws.flatMap { chain in chain.map { draw in shown.map { $0 < draw.count ? draw[$0] : .nan } } }
        let divergent = sampling.chains.flatMap { $0.statistics.map(\.divergent) }
        let pairs = PairsPlot(title: "Pairs of the global parameters", names: shown.map { parameters[$0].name }, draws: rows,
                              divergent: divergent.count == rows.count ? divergent : [Bool](repeating: false, count: rows.count))
        var blocks: [HTMLReport.Block] = [.charts([pairs.render(id: "pairs")])]
        if parameters.count > shown.count {
            blocks.insert(.paragraph("The first \(shown.count) of \(parameters.count) global parameters are shown."), at: 0)
        }
        return HTMLReport.Section(title: "Pairs", blocks: blocks)
    }

    /// Energy (with E-BFMI per chain), step size (warmup shaded) and tree depth per chain.
    func samplerSection() -> HTMLReport.Section {
        let energies = sampling.chains.map { $0.statistics.map(\.energy) }
        let centred = energies.flatMap { chain -> [Double] in
            let mean = chain.reduce(0, +) / Double(max(chain.count, 1))
            return chain.map { $0 - mean }
        }
        let transitions = energies.flatMap { chain in zip(chain.dropFirst(), chain).map { $0 - $1 } }
        let energy = DensityChart(title: "Energy: marginal distribution and transitions", xLabel: "energy (centred per chain)", series: [
            DensityChart.Series(name: "E − mean E", values: centred), DensityChart.Series(name: "ΔE between draws", values: transitions),
        ])
        let bfmi = sampling.chains.map { $0.energyBFMI }
        let stepSize = {
            var chart = LineChart(
                title: "Step size per iteration", xLabel: "iteration (warmup, then draws)", yLabel: "step size",
                series: sampling.chains.enumerated().map { index, chain in
                    let adaptation = chain.warmupStatistics.enumerated().map { (Double($0.offset + 1), $0.element.stepSize) }
                    let fixed = [(Double(chain.warmupStatistics.count + 1), chain.stepSize), (Double(chain.warmupStatistics.count + draws), chain.stepSize)]
                    return LineChart.Series(name: "chain \(index + 1)", points: adaptation + fixed)
                })
            chart.logY = true
            if warmup > 0 { chart.bands = [LineChart.Band(from: 0.5, to: Double(warmup) + 0.5, label: "warmup")] }
            return chart
        }()
        let depth = HistogramChart(
            title: "Tree depth per draw (maximum \(sampling.settings.maxTreeDepth))", xLabel: "tree depth",
            panels: sampling.chains.enumerated().map { HistogramChart.Panel(name: "chain \($0.offset + 1)", values: $0.element.statistics.map { Double($0.treeDepth) }) },
            bins: sampling.settings.maxTreeDepth + 1, range: -0.5...(Double(sampling.settings.maxTreeDepth) + 0.5))
        let table = HTMLTable(id: "sampler", header: ["chain", "step size", "E-BFMI", "divergences", "tree-depth hits", "leapfrog steps per draw"],
                              rows: sampling.chains.enumerated().map { index, chain in
            let steps = Double(chain.statistics.reduce(0) { $0 + $1.leapfrogSteps }) / Double(max(chain.statistics.count, 1))
            return [HTMLTable.Cell("chain \(index + 1)"), HTMLTable.Cell(NumberFormat.significant(chain.stepSize, 4)),
                    HTMLTable.Cell(String(format: "%.3f", bfmi[index]), flag: bfmi[index] >= 0.3 ? nil : "E-BFMI below 0.3"),
                    HTMLTable.Cell("\(chain.divergences)", flag: chain.divergences == 0 ? nil : "divergent transitions"),
                    HTMLTable.Cell("\(chain.treeDepthHits)", flag: chain.treeDepthHits == 0 ? nil : "the maximum tree depth was hit"),
                    HTMLTable.Cell(String(format: "%.1f", steps))]
        })
        return HTMLReport.Section(title: "Sampler", blocks: [
            .paragraph("E-BFMI below 0.3 (highlighted) means the momentum resampling explores the energy poorly: the ΔE density is then much narrower than the E density."),
            .table(table),
            .charts([energy.render(id: "energy"), stepSize.render(id: "step-size"), depth.render(id: "tree-depth")]),
        ])
    }

    /// Caterpillar plots of the recovered random effects: posterior mean ± 1.96 posterior SDs.
    func randomEffectsSection() -> HTMLReport.Section {
        guard !randomEffects.isEmpty else {
            return HTMLReport.Section(title: "Random effects", blocks: [.paragraph("No random effects were recovered (--no-recover, or the model has none).")])
        }
        var charts: [Chart] = []
        for block in randomEffects {
            let columns = block.columnNames.count
            for (s, column) in block.columnNames.enumerated() {
                let rows = block.levels.indices.compactMap { level -> CaterpillarChart.Row? in
                    let k = level * columns + s
                    guard k < block.means.count, k < block.sds.count else { return nil }
                    return CaterpillarChart.Row(label: block.levels[level], estimate: block.means[k],
                                                lower: block.means[k] - 1.96 * block.sds[k], upper: block.means[k] + 1.96 * block.sds[k])
                }
                charts.append(CaterpillarChart(title: "\(block.group): \(column) (\(block.levels.count) levels)",
                                               valueLabel: "posterior mean of \(column) ± 1.96 posterior SD", rows: rows)
                    .render(id: ChartText.identifier("caterpillar", block.group, column)))
            }
        }
        return HTMLReport.Section(title: "Random effects", blocks: [.charts(charts)])
    }
}
