import Foundation

extension LinearMixedModelFit {
    /// A summary in the layout of lme4's `summary(lmer(...))`: criterion, scaled residuals,
    /// random effects, fixed effects and their correlations, and any warnings.
    public func summary(dataName: String? = nil) -> String {
        var out: [String] = []
        let method = criterion == .reml ? "REML" : "maximum likelihood"
        out.append("Linear mixed model fit by \(method)")
        if let method = degreesOfFreedomMethod { out.append("t-tests use \(method.rawValue)'s method") }
        out.append(" Formula: \(formula)")
        if let dataName { out.append("    Data: \(dataName)") }
        out.append("")
        if criterion == .reml {
            out.append("REML criterion at convergence: \(NumberFormat.fixed(objective, 4))")
        } else {
            let table = TextTable(
                header: ["AIC", "BIC", "logLik", "deviance", "df.resid"],
                rows: [[NumberFormat.fixed(aic, 1), NumberFormat.fixed(bic, 1), NumberFormat.fixed(logLikelihood, 1),
                        NumberFormat.fixed(objective, 1), "\(nobs - degreesOfFreedom)"]],
                leftAligned: [])
            out.append(table.render(indent: "  "))
        }
        out.append("")
        out.append("Scaled residuals:")
        out.append(SummaryTables.quantiles(residuals.indices.map { residuals[$0] * (weights?[$0].squareRoot() ?? 1) / sigma }))
        out.append("")
        out.append("Random effects:")
        out.append(SummaryTables.randomEffects(varianceComponents, residualSD: sigma))
        let groups = randomEffects.map { "\($0.group), \($0.levels.count)" }.joined(separator: "; ")
        out.append("Number of obs: \(nobs), groups:  \(groups)")
        out.append("")
        out.append(fixedEffects.isEmpty ? "Fixed effects: none" : "Fixed effects:")
        let estimates = NumberFormat.column(fixedEffects.map(\.estimate), digits: 6)
        let errors = NumberFormat.column(fixedEffects.map(\.standardError))
        let tValues = fixedEffects.map { NumberFormat.fixed($0.tValue, 3) }
        if !fixedEffects.isEmpty && degreesOfFreedomMethod != nil {
            out.append(TextTable(
                header: ["", "Estimate", "Std. Error", "df", "t value", "Pr(>|t|)", ""],
                rows: fixedEffects.indices.map { j in
                    let effect = fixedEffects[j]
                    return [effect.name, estimates[j], errors[j], effect.degreesOfFreedom.map { NumberFormat.significant($0, 5) } ?? "NA",
                            tValues[j], effect.pValue.map { String(format: "%.3g", $0) } ?? "NA",
                            effect.pValue.map(LikelihoodRatioTable.stars) ?? ""]
                },
                leftAligned: [0, 6]
            ).render())
            out.append("---")
            out.append("Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1")
        } else if !fixedEffects.isEmpty {
            out.append(TextTable(
                header: ["", "Estimate", "Std. Error", "t value"],
                rows: fixedEffects.indices.map { [fixedEffects[$0].name, estimates[$0], errors[$0], tValues[$0]] }
            ).render())
        }
        if fixedEffects.count > 1 {
            out.append("")
            out.append("Correlation of Fixed Effects:")
            out.append(SummaryTables.correlations(names: fixedEffects.map(\.name), covariance: fixedEffectsCovariance))
        }
        if !aliasedColumns.isEmpty {
            out.append("")
            out.append("Fixed-effect columns dropped as linear combinations of others: \(aliasedColumns.joined(separator: ", "))")
        }
        if droppedRows > 0 {
            out.append("\(droppedRows) rows with missing values were dropped.")
        }
        out.append("")
        out.append("Optimizer: \(optimization.optimizer), \(optimization.evaluations) evaluations, \(optimization.message); \(NumberFormat.significant(seconds, 3)) s")
        for warning in warnings { out.append("Warning: \(warning)") }
        return out.joined(separator: "\n")
    }

}

/// The tables lme4's summaries share: random effects (variances, SDs, correlations) and the
/// correlation of the fixed effects.
enum SummaryTables {
    /// `Min 1Q Median 3Q Max` of the (scaled) residuals.
    static func quantiles(_ values: [Double]) -> String {
        let sorted = values.sorted()
        return TextTable(
            header: ["Min", "1Q", "Median", "3Q", "Max"],
            rows: [[0, 0.25, 0.5, 0.75, 1].map { NumberFormat.fixed(SampleQuantile.value(sorted: sorted, probability: $0), 4) }],
            leftAligned: []).render(indent: " ")
    }

    /// `Groups Name Variance Std.Dev. Corr`, with a `Residual` row when there is a residual SD.
    /// A structured term is shown as glmmTMB's `VarCorr` shows it: one row with its correlation
    /// parameter for a structure with one SD (`ar1`, `ou`, `exp`, `gau`), its SDs and the common ρ
    /// on the first row for `cs`, its SDs alone for `diag`, the full matrix for `toep`.
    static func randomEffects(_ components: [VarianceComponent], residualSD: Double?) -> String {
        var rows: [[String]] = []
        var labels: [String: Int] = [:]
        let maxColumns = components.map(\.names.count).max() ?? 1
        for component in components {
            // lme4 labels a second term on the same factor `Subject.1`.
            let seen = labels[component.group, default: 0]
            labels[component.group] = seen + 1
            let label = seen == 0 ? component.group : "\(component.group).\(seen)"
            if let structure = component.structure, structure.sharesOneStandardDeviation {
                // glmmTMB's one row for a structure with one SD: `0.631 (ar1)`, `rate 0.436 (ou)`.
                rows.append([label, component.names[0], NumberFormat.significant(component.variances[0], 5),
                             NumberFormat.significant(component.standardDeviations[0], 5), structureLabel(component)]
                    + Array(repeating: "", count: max(maxColumns - 2, 0)))
                continue
            }
            for (i, name) in component.names.enumerated() {
                var row = [i == 0 ? label : "", name,
                           NumberFormat.significant(component.variances[i], 5),
                           NumberFormat.significant(component.standardDeviations[i], 5)]
                for j in 0..<(maxColumns - 1) {
                    switch component.structure {
                    case .cs?: row.append(i == 0 && j == 0 ? structureLabel(component) : "")
                    case .diag?: row.append("")
                    default: row.append(j < i ? NumberFormat.fixed(component.correlations[i, j], 2) : "")
                    }
                }
                rows.append(row)
            }
        }
        if let sigma = residualSD {
            rows.append(["Residual", "", NumberFormat.significant(sigma * sigma, 5), NumberFormat.significant(sigma, 5)]
                + Array(repeating: "", count: maxColumns - 1))
        }
        var header = ["Groups", "Name", "Variance", "Std.Dev."]
        if maxColumns > 1 { header += ["Corr"] + Array(repeating: "", count: maxColumns - 2) }
        return TextTable(header: header, rows: rows, leftAligned: [0, 1]).render(indent: " ")
    }

    /// A structure's correlation parameter and kind as glmmTMB prints it: `0.631 (ar1)`, `0.738 (cs)`,
    /// `rate 0.436 (ou)`, `range 2.29 (exp)`.
    static func structureLabel(_ component: VarianceComponent) -> String {
        let values = component.structureParameters.map { parameter in
            let value = NumberFormat.significant(parameter.value, 3)
            return parameter.name == "rho" ? value : "\(parameter.name) \(value)"
        }
        return (values + ["(\(component.structure?.rawValue ?? ""))"]).joined(separator: " ")
    }

    /// The lower triangle of the correlations of the fixed effects, with abbreviated labels.
    static func correlations(names: [String], covariance: Matrix) -> String {
        let p = names.count
        let abbreviated = names.map(abbreviate)
        var rows: [[String]] = []
        for i in 1..<p {
            var row = [abbreviated[i]]
            for j in 0..<(p - 1) {
                let denominator = (covariance[i, i] * covariance[j, j]).squareRoot()
                row.append(j < i ? NumberFormat.fixed(covariance[i, j] / denominator, 3) : "")
            }
            rows.append(row)
        }
        return TextTable(header: [""] + abbreviated.dropLast(), rows: rows).render()
    }

    /// Short column labels as R's `abbreviate(minlength = 6)` makes them for lme4's table: lower-case
    /// vowels are dropped from the right (never the first character), then other lower-case
    /// letters, until six remain: `(Intercept)` → `(Intr)`, `period2` → `perid2`.
    static func abbreviate(_ name: String) -> String {
        var characters = Array(name)
        for drop in [{ (c: Character) in "aeiou".contains(c) }, { (c: Character) in c.isLowercase }] {
            var i = characters.count - 1
            while characters.count > 6 && i > 0 {
                if drop(characters[i]) { characters.remove(at: i) }
                i -= 1
            }
        }
        return String(characters)
    }
}
