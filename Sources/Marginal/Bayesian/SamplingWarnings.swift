/// The checks a careful user of Stan makes after every run (Vehtari et al. 2021; Betancourt
/// 2017), written as plain warnings: any divergence, R̂ above 1.01, fewer than 100 effective
/// draws per chain (bulk or tail), iterations that hit the maximum tree depth, and an E-BFMI
/// below 0.3.
enum SamplingWarnings {
    static func warnings(for sampling: SamplingResult, parameters: [ParameterSummary]) -> [String] {
        var warnings: [String] = []
        let chains = sampling.settings.chains
        let total = chains * sampling.settings.draws
        if sampling.divergences > 0 {
            warnings.append("\(sampling.divergences) of \(total) post-warmup transitions diverged: the posterior may be biased; "
                + "raise --target-accept (e.g. 0.95) or reparameterize (e.g. integrate out more random effects)")
        }
        let highRhat = parameters.filter { !($0.rhat <= 1.01) }
        if !highRhat.isEmpty {
            warnings.append("R̂ > 1.01 for \(list(highRhat.map(\.name))): the chains disagree; run longer or check the model")
        }
        let lowESS = parameters.filter { !($0.essBulk >= 100 * Double(chains)) || !($0.essTail >= 100 * Double(chains)) }
        if !lowESS.isEmpty {
            warnings.append("fewer than 100 effective draws per chain (bulk or tail ESS) for \(list(lowESS.map(\.name))): "
                + "means and quantiles are imprecise; run more draws")
        }
        if sampling.treeDepthHits > 0 {
            warnings.append("\(sampling.treeDepthHits) of \(total) transitions hit the maximum tree depth \(sampling.settings.maxTreeDepth): "
                + "the sampler is inefficient here; raise --max-depth or reparameterize")
        }
        let lowBFMI = sampling.chains.filter { $0.energyBFMI < 0.3 }.map { $0.chain + 1 }
        if !lowBFMI.isEmpty {
            warnings.append("E-BFMI below 0.3 in chain\(lowBFMI.count > 1 ? "s" : "") \(lowBFMI.map(String.init).joined(separator: ", ")): "
                + "the momentum resampling explores the energy poorly; reparameterize")
        }
        return warnings
    }

    private static func list(_ names: [String]) -> String {
        names.count <= 4 ? names.joined(separator: ", ") : names.prefix(4).joined(separator: ", ") + " and \(names.count - 4) more"
    }
}
