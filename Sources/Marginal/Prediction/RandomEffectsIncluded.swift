extension Predictor {
    /// Which random effects a prediction adds: lme4's `re.form` (`predict.merMod`, Bates et al. 2015,
    /// *J. Stat. Softw.* 67(1); its `mkNewReTrms`).
    ///
    /// `re.form = NULL` adds them all, `NA` or `~0` none, and a formula of random-effect terms,
    /// `~(1 | Subject)`, the columns those terms name: lme4 builds the terms on the new data and takes,
    /// for each, the named columns of the fit's effects for that grouping factor, so `~(1 | Subject)`
    /// in a model with `(Days | Subject)` adds the intercepts and not the slopes. A grouping factor or
    /// a column the fit does not have is an error that names the fit's terms.
    public enum RandomEffectsIncluded: Sendable, Equatable {
        case all, none
        /// The grouping factors named (as the fit names them: `Subject`, `cask:batch`): all their columns.
        case only([String])
        /// The right-hand side of an lme4 `re.form` formula, without its `~`: `(1 | Subject)`,
        /// `(1 | g) + (0 + x | h)`.
        case terms(String)
    }

    /// For each random-effect term of `design` (the fit's formula on the new data), whether each of
    /// its columns is added.
    func includedColumns(
        _ included: RandomEffectsIncluded, design: NewDataDesign, data: DataFrame, options: DesignOptions
    ) throws -> [[Bool]] {
        let terms = design.randomEffects
        switch included {
        case .all:
            return terms.map { [Bool](repeating: true, count: $0.dimension) }
        case .none:
            return terms.map { [Bool](repeating: false, count: $0.dimension) }
        case .only(let names):
            let groups = Set(terms.map(\.group))
            for name in names where !groups.contains(name) {
                throw PredictionError.unknownGroup(name, suggestion: closestName(to: name, among: groups.sorted()), groups: groups.sorted())
            }
            return terms.map { [Bool](repeating: names.contains($0.group), count: $0.dimension) }
        case .terms(let text):
            // A grouping factor the fit lacks is named before the new data are read for it.
            let fitTerms = terms.map(Self.describe)
            let formula = try Formula("0 ~ 0 + " + text)
            let characters = Array(formula.text)
            for spec in try FormulaTerms(formula).random {
                for grouping in spec.groupings where !terms.contains(where: { $0.group == grouping.name }) {
                    let written = spec.span.end <= characters.count ? String(characters[spec.span.start..<spec.span.end]) : grouping.name
                    throw PredictionError.unknownTerm(written, fitTerms: fitTerms)
                }
            }
            // The terms built on the new data with the fit's transformations, as lme4's mkNewReTrms.
            let requested = try NewDataDesign(formula: formula.text, data: data, options: options).randomEffects
            var selected = terms.map { [Bool](repeating: false, count: $0.dimension) }
            for term in requested {
                for column in term.columnNames {
                    let matches = terms.indices.filter { terms[$0].group == term.group && terms[$0].columnNames.contains(column) }
                    guard !matches.isEmpty else { throw PredictionError.unknownTerm(Self.describe(term), fitTerms: fitTerms) }
                    for k in matches { selected[k][terms[k].columnNames.firstIndex(of: column) ?? 0] = true }
                }
            }
            return selected
        }
    }

    /// A random-effect term as lme4 writes it: `(1 + Days | Subject)`, `(0 + x | g)`.
    static func describe(_ term: RandomEffectTerm) -> String {
        let columns = term.columnNames.map { $0 == "(Intercept)" ? "1" : $0 }
        let lhs = (term.columnNames.first == "(Intercept)" ? [] : ["0"]) + columns
        return "(\(lhs.joined(separator: " + ")) | \(term.group))"
    }
}
