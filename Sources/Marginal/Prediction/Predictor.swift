/// Predictions of a saved fit on new data, as lme4's `predict.merMod`:
///
///     η = Xβ̂ + Σ_k Z_k b̂_k + o
///
/// with X, Z_k and the offset o rebuilt from the new data by ``NewDataDesign`` (the fit's
/// transformations applied), b̂ the conditional modes of the levels the fit saw, and the sum over
/// the random-effect columns that `included` keeps (lme4's `re.form`: ``RandomEffectsIncluded``).
/// A level the fit did not see is an error (MixedModels.jl's `new_re_levels = :error`), or
/// (``NewLevels/zero``, lme4's `allow.new.levels = TRUE`) has effect 0, or (``NewLevels/missing``,
/// MixedModels.jl's `:missing`) makes the row's prediction missing (NaN, printed NA).
///
/// The standard error is that of the fixed part, √(xᵀ Cov(β̂) x). The prediction interval at
/// `level` is η ± z_{(1+level)/2} √v with v = xᵀ Cov(β̂) x, plus for each included term zᵀ Var(b | y) z
/// (its conditional variances, the columns of a level taken as uncorrelated given y), plus for the
/// columns of a term that are excluded, or all its columns at a new level, their variance
/// z_Sᵀ (Σ_k)_SS z_S, plus σ² for a linear model (a new observation).
/// A generalized model's predictions, standard errors and intervals are on the link scale, or the
/// prediction and the interval's bounds are mapped by the inverse link (`responseScale`).
public struct Predictor: Sendable {
    /// What to do with a level of a grouping factor that the fit has no effect for.
    public enum NewLevels: String, Sendable, CaseIterable {
        /// Refuse it (MixedModels.jl's default, `:error`).
        case error
        /// Predict with its effect at 0 (lme4's `allow.new.levels = TRUE`).
        case zero
        /// Make the row's prediction missing (MixedModels.jl's `:missing`).
        case missing
    }

    /// One prediction, for one data row; in JSON `row`, `fit`, `se` and, with an interval, `lower`
    /// and `upper`.
    public struct Prediction: Sendable, Equatable, Codable {
        /// The 1-based data row.
        public var row: Int
        public var fit: Double
        /// The standard error of the fixed part (link scale).
        public var standardError: Double
        public var lower: Double?
        public var upper: Double?

        enum CodingKeys: String, CodingKey {
            case row, fit, standardError = "se", lower, upper
        }
    }

    public let saved: PredictableFit

    public init(_ saved: PredictableFit) {
        self.saved = saved
    }

    /// The link of a generalized model (nil for a linear one).
    public var link: Link? { saved.link.flatMap(Link.init(rawValue:)) }

    /// Predictions for the rows of `data` that have every variable the formula's right-hand side
    /// uses (the others are left out; R's `predict` gives NA there).
    public func predict(
        _ data: DataFrame, options: DesignOptions, included: RandomEffectsIncluded = .all, newLevels: NewLevels = .error,
        interval level: Double? = nil, responseScale: Bool = false
    ) throws -> [Prediction] {
        let design = try NewDataDesign(formula: saved.model?.formula ?? saved.formula, data: data, options: options)
        let selected = try includedColumns(included, design: design, data: data, options: options)
        let n = design.keptRows.count
        var eta = design.offset ?? [Double](repeating: 0, count: n)
        var variance = [Double](repeating: saved.sigma.map { $0 * $0 } ?? 0, count: n)
        var standardErrors = [Double](repeating: 0, count: n)
        let x = try saved.fixef.map { coefficient throws(PredictionError) -> [Double] in
            guard let column = design.fixedColumns[coefficient.name] else { throw .missingFixedColumn(coefficient.name) }
            return column
        }
        for i in 0..<n {
            var quadratic = 0.0
            for (j, coefficient) in saved.fixef.enumerated() {
                eta[i] += x[j][i] * coefficient.estimate
                for k in saved.fixef.indices { quadratic += x[j][i] * saved.vcov[j][k] * x[k][i] }
            }
            standardErrors[i] = max(quadratic, 0).squareRoot()
            variance[i] += max(quadratic, 0)
        }
        var missing = [Bool](repeating: false, count: n)
        for (term, columns) in zip(design.randomEffects, selected) {
            try add(term, included: columns, newLevels: newLevels, rows: design.keptRows, eta: &eta, variance: &variance, missing: &missing)
        }
        for i in 0..<n where missing[i] { eta[i] = .nan }
        let z = level.map { NormalQuantile.value((1 + $0) / 2) }
        let inverse: (Double) -> Double = responseScale ? { self.link?.mean($0) ?? $0 } : { $0 }
        return (0..<n).map { i in
            let half = z.map { $0 * variance[i].squareRoot() }
            return Prediction(row: design.keptRows[i] + 1, fit: inverse(eta[i]), standardError: standardErrors[i],
                              lower: half.map { inverse(eta[i] - $0) }, upper: half.map { inverse(eta[i] + $0) })
        }
    }

    /// Adds one random-effect term's contribution to η and to the prediction variance: the modes of
    /// the `included` columns at a level the fit saw, the term's variance over the other columns.
    private func add(
        _ term: RandomEffectTerm, included: [Bool], newLevels: NewLevels, rows: [Int],
        eta: inout [Double], variance: inout [Double], missing: inout [Bool]
    ) throws(PredictionError) {
        let effects = saved.ranef.first { $0.group == term.group && $0.names == term.columnNames }
        let levels = effects?.levels ?? []
        let levelIndex = Dictionary(levels.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let marginal = saved.component(of: term)?.covariance
        let anyIncluded = included.contains(true)
        if anyIncluded, let structure = term.structure, marginal == nil {
            throw .newStructuredColumns(group: term.group, structure: structure.rawValue)
        }
        let s = term.dimension
        for i in rows.indices {
            let code = Int(term.codes[i])
            let label = code >= 0 && code < term.levels.count ? term.levels[code] : ""
            let known = anyIncluded ? levelIndex[label] : nil
            if anyIncluded, known == nil {
                switch newLevels {
                case .error: throw .newLevel(group: term.group, level: label, row: rows[i] + 1, suggestion: closestName(to: label, among: levels))
                case .missing: missing[i] = true
                case .zero: break
                }
            }
            // The columns whose effect is predicted (a level the fit saw), and the others.
            let predicted = (0..<s).map { known != nil && included[$0] }
            if let known, let effects {
                for c in 0..<s where predicted[c] {
                    let zc = term.z[c, i]
                    eta[i] += zc * effects.modes[known][c]
                    variance[i] += zc * zc * effects.condSD[known][c] * effects.condSD[known][c]
                }
            }
            if let marginal {
                for a in 0..<s where !predicted[a] {
                    for b in 0..<s where !predicted[b] { variance[i] += term.z[a, i] * marginal[a][b] * term.z[b, i] }
                }
            }
        }
    }
}
