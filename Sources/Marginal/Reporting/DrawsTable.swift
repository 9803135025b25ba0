extension PosteriorSample {
    /// Every post-warmup draw as a table in the layout of CmdStan's output CSV: `chain`, `draw`,
    /// the sampler's columns (`lp__`, `accept_stat__`, `stepsize__`, `treedepth__`,
    /// `n_leapfrog__`, `divergent__`, `energy__`), the global parameters by their reported
    /// names, then the recovered random effects (`b[group][level][column]`) when they were kept.
    /// `lp__` is the log density of the unconstrained coordinates, up to a constant.
    public func drawsTable() -> DataFrame {
        let keptEffects = !randomEffectDraws.isEmpty
        let names = ["chain", "draw", "lp__", "accept_stat__", "stepsize__", "treedepth__", "n_leapfrog__", "divergent__", "energy__"]
            + parameters.map(\.name) + (keptEffects ? randomEffectNames : [])
        var columns: [[Double]] = Array(repeating: [], count: names.count)
        for (c, chain) in sampling.chains.enumerated() {
            for (i, statistics) in chain.statistics.enumerated() {
                let row: [Double] = [
                    Double(c + 1), Double(i + 1), statistics.logDensity, statistics.acceptStat, statistics.stepSize,
                    Double(statistics.treeDepth), Double(statistics.leapfrogSteps), statistics.divergent ? 1 : 0, statistics.energy,
                ] + globalDraws[c][i] + (keptEffects ? randomEffectDraws[c][i] : [])
                for (j, value) in row.enumerated() { columns[j].append(value) }
            }
        }
        var frame = DataFrame()
        for (name, values) in zip(names, columns) {
            // Names are distinct and the columns equally long by construction.
            try? frame.append(name, .numeric(NumericColumn(values)))
        }
        return frame
    }
}
