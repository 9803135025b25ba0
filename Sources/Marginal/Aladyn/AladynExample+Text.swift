extension AladynExample.Result {
    /// The table for the terminal: per method and seed, the deck's scores and the truth's.
    public var text: String {
        func f(_ x: Double) -> String { NumberFormat.significant(x, 3) }
        func g(_ x: Double) -> String { NumberFormat.significant(x, 6) }
        let table = TextTable(
            header: ["method", "seed", "corr", "slope", "contrast corr", "contrast slope", "mean|g|", "RMSE",
                     "psi corr", "phi corr", "kappa", "loss", "held-out NLL", "AUC", "seconds"],
            rows: methods.map {
                [$0.method, "\($0.seed)", f($0.gammaCorrelation), f($0.gammaSlope), f($0.gammaContrastCorrelation),
                 f($0.gammaContrastSlope), f($0.meanAbsGamma), f($0.gammaRMSE), f($0.psiCorrelation), f($0.phiCorrelation),
                 f($0.kappa), g($0.loss), g($0.heldOutNLL), $0.auc.map(f) ?? "-", NumberFormat.significant($0.seconds, 3)]
            })
        var flows: [String] = []
        for row in methods where row.seed == methods.first?.seed {
            let flow = TextTable(
                header: ["block", "|d lik| start", "|d prior| start", "|d lik| end", "|d prior| end"],
                rows: row.gradientFlow.rows.map { [$0.block, f($0.likelihoodStart), f($0.priorStart), f($0.likelihoodEnd), f($0.priorEnd)] })
            flows.append("  \(row.method):\n\(flow.render(indent: "    "))")
        }
        let d = dimensions
        return """
            ALADYN simulation: N = \(d.individuals), D = \(d.diseases), T = \(d.ages), K = \(d.signatures) + 1, P = \(d.covariates); \
            W = \(priorWeight), \(epochs) Adam epochs; \(heldOutIndividuals) new individuals enrolled at age index \(enrollment)

            gamma-hat against the true gamma (mean |gamma| = \(f(trueMeanAbsGamma))); slope = OLS slope of gamma-hat on gamma \
            (1 = no attenuation); contrast = after removing each covariate's mean over the signatures

            \(table.render(indent: "  "))

            Gradient flow (norms of the likelihood's and the prior term's gradient per block, first seed):
            \(flows.joined(separator: "\n"))

            The centred form gives gamma no likelihood gradient: it moves only through the prior term,
            weighted W/N. The loss column is the same published objective for every method (the forms
            are one function of lambda, phi, psi, gamma, kappa), so the arms compare directly.
            """
    }
}
