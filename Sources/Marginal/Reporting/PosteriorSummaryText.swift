import Foundation

extension PosteriorSample {
    /// A summary in the spirit of CmdStan's `stansummary` and brms's `summary`: the run, the
    /// priors, one row per global parameter (mean, sd, MCSE, 5/50/95 % quantiles, bulk and tail
    /// ESS, R̂), the recovered random effects (posterior mean and sd per level), and warnings.
    public func summary(dataName: String? = nil, maxEffectLevels: Int = 20) -> String {
        var out: [String] = []
        let kind = family.map { "generalized (\($0))" } ?? "linear"
        out.append("Bayesian \(kind) mixed model sampled by NUTS: \(strategy)")
        out.append(" Formula: \(formula)")
        out.append("    Data: \(dataName.map { "\($0), " } ?? "")\(nobs) observations")
        out.append("  Chains: \(chains) × (\(warmup) warmup + \(draws) draws); seed \(sampling.settings.seed)")
        out.append("    Time: \(NumberFormat.fixed(samplingSeconds, 2)) s sampling"
            + (recoverySeconds > 0 ? ", \(NumberFormat.fixed(recoverySeconds, 2)) s recovering random effects" : "")
            + "; \(gradientEvaluations) gradient evaluations")
        let steps = stepSizes.map { NumberFormat.significant($0, 3) }.joined(separator: ", ")
        out.append(" Sampler: \(divergences) divergences, \(sampling.treeDepthHits) max-depth hits, step sizes \(steps)")
        out.append("")
        out.append("Priors:")
        out.append(TextTable(
            header: ["parameter", "prior", ""],
            rows: priors.map { [$0.name, $0.prior.description + ($0.on.map { " on \($0)" } ?? ""), $0.userSet ? "(set)" : "(default)"] },
            leftAligned: [0, 1, 2]).render(indent: "  "))
        out.append("")
        out.append("Posterior:")
        out.append(TextTable(
            header: ["", "mean", "sd", "mcse", "5%", "50%", "95%", "ess_bulk", "ess_tail", "rhat"],
            rows: parameters.map { p in
                [p.name] + [p.mean, p.sd, p.mcse, p.q5, p.q50, p.q95].map { NumberFormat.significant($0, 4) }
                    + [NumberFormat.fixed(p.essBulk, 0), NumberFormat.fixed(p.essTail, 0), NumberFormat.fixed(p.rhat, 3)]
            }).render(indent: "  "))
        let essPerSecond = minimumBulkESSPerSecond
        if essPerSecond.isFinite {
            out.append("  min bulk-ESS per second of sampling: \(NumberFormat.significant(essPerSecond, 4))")
        }
        for block in randomEffects {
            out.append("")
            let shown = min(block.levels.count, maxEffectLevels)
            out.append("Random effects of \(block.group): posterior mean (sd)"
                + (shown < block.levels.count ? ", first \(shown) of \(block.levels.count) levels" : ""))
            let s = block.columnNames.count
            out.append(TextTable(
                header: [""] + block.columnNames,
                rows: (0..<shown).map { level in
                    [block.levels[level]] + (0..<s).map { a in
                        "\(NumberFormat.significant(block.means[level * s + a], 4)) (\(NumberFormat.significant(block.sds[level * s + a], 3)))"
                    }
                }).render(indent: "  "))
        }
        if !warnings.isEmpty {
            out.append("")
            out.append("Warnings:")
            out += warnings.map { "  - \($0)" }
        }
        return out.joined(separator: "\n")
    }
}
