import Foundation

extension ModelDesign {
    /// Reads `formula` (lme4 notation) against `data`: parses it, drops rows with missing
    /// values in the columns it names, and builds y, X and the random-effect terms.
    ///
    ///     let design = try ModelDesign(formula: "Reaction ~ Days + (Days | Subject)", data: frame)
    ///     design.nobs  // 180
    ///     design.fixedEffects.names  // ["(Intercept)", "Days"]
    ///
    /// Errors (``FormulaError``) name the problem and, where it has one, its place in the formula.
    public init(formula text: String, data: DataFrame, options: DesignOptions = DesignOptions()) throws(FormulaError) {
        try self.init(formula: try Formula(text), data: data, options: options)
    }

    /// Builds the design from an already parsed formula.
    public init(formula: Formula, data: DataFrame, options: DesignOptions = DesignOptions()) throws(FormulaError) {
        let (terms, frame) = try Self.termsAndFrame(formula, data: data, options: options)
        var warnings = terms.warnings

        // The response: a numeric expression, or cbind(successes, failures) for a binomial model.
        let evaluator = NumericEvaluator(frame: frame)
        var response: [Double]
        var trials: [Double]? = nil
        if case .name(let name, _, let span) = formula.response, frame.numericValues(name) == nil {
            guard options.binaryFactorResponse, let factor = frame.factor(name), factor.levels.count == 2 else {
                throw FormulaError(.categoricalResponse(name), formula: formula.text, span: span)
            }
            // R's binomial family: the first level is failure, every other level success.
            response = factor.codes.map { $0 == 0 ? 0 : 1 }
        } else if case .call("cbind", let arguments, _) = formula.response, arguments.count == 2 {
            let successes = try evaluator.evaluate(arguments[0])
            let counts = zip(successes, try evaluator.evaluate(arguments[1])).map { $0 + $1 }
            response = zip(successes, counts).map { $1 > 0 ? $0 / $1 : 0 }
            trials = counts
        } else {
            response = try evaluator.evaluate(formula.response)
        }

        // The fixed effects, without aliased columns.
        var learned = StoredTransformations()
        let (allNames, allColumns, allAssign) = try Self.fixedColumns(terms.fixed, frame: frame, options: options, warnings: &warnings, learned: &learned)
        let aliasedIndices = AliasedColumns.find(in: allColumns, tolerance: options.aliasTolerance)
        let aliasedSet = Set(aliasedIndices)
        let keptIndices = allColumns.indices.filter { !aliasedSet.contains($0) }
        let aliased = aliasedIndices.map { allNames[$0] }
        if !aliased.isEmpty {
            let count = aliased.count == 1 ? "1 column that is a linear combination" : "\(aliased.count) columns that are linear combinations"
            warnings.append("the fixed-effect model matrix is rank deficient: dropped \(count) of earlier ones: \(aliased.joined(separator: ", "))")
        }
        var x = Matrix(rows: frame.rowCount, columns: keptIndices.count)
        for (target, source) in keptIndices.enumerated() {
            x.elements.replaceSubrange((target * frame.rowCount)..<((target + 1) * frame.rowCount), with: allColumns[source])
        }

        // The random effects.
        let random = try Self.randomEffectTerms(terms.random, frame: frame, options: options, learned: &learned)
        // One level is the usual form of a spatial structure (glmmTMB's exp(pos + 0 | group)).
        for term in random where term.levelCount == 1 && term.structure == nil {
            let note = Self.singleLevelWarning(group: term.group, level: term.levels.first ?? "")
            if !warnings.contains(note) { warnings.append(note) }
        }
        warnings += Self.identifiabilityWarnings(random, fixed: terms.fixed, aliasTolerance: options.aliasTolerance)
        for term in random where term.levelCount >= frame.rowCount {
            let note = Self.residualConfoundingWarning(group: term.group, levels: term.levelCount, observations: frame.rowCount)
            if !warnings.contains(note) { warnings.append(note) }
        }

        var (weights, offset) = try Self.weightsAndOffset(terms, frame: frame, options: options)
        if let trials { weights = weights.map { zip($0, trials).map { $0 * $1 } } ?? trials }
        self.init(
            formula: formula.description,
            responseName: formula.response.description,
            response: response,
            fixedEffects: FixedEffectsMatrix(
                names: keptIndices.map { allNames[$0] }, matrix: x, aliased: aliased,
                terms: terms.fixed.termLabels, assign: keptIndices.map { allAssign[$0] }),
            randomEffects: random,
            droppedRows: data.rowCount - frame.rowCount,
            keptRows: frame.keptRows,
            warnings: warnings, offset: offset, weights: weights, responseIsBinomialProportion: trials != nil)
        transformations = learned
    }

    /// A grouping factor with a level per observation, whose variance a Gaussian model cannot tell
    /// apart from the residual variance (binomial and Poisson models have no residual variance:
    /// there it is an observation-level random effect, and the warning does not apply).
    static func residualConfoundingWarning(group: String, levels: Int, observations: Int) -> String {
        "the grouping factor '\(group)' has \(levels) levels for \(observations) observations; its variance cannot be told apart from the residual variance (lme4 refuses such a model)"
    }

    /// The prior weights and the offset (the formula's `offset(...)` terms plus the option's column).
    static func weightsAndOffset(
        _ terms: FormulaTerms, frame: ModelFrame, options: DesignOptions
    ) throws(FormulaError) -> (weights: [Double]?, offset: [Double]?) {
        let evaluator = NumericEvaluator(frame: frame)
        var offset: [Double]? = nil
        func add(_ values: [Double]) {
            offset = offset.map { zip($0, values).map { $0 + $1 } } ?? values
        }
        for expression in terms.offsets { add(try evaluator.evaluate(expression)) }
        if let name = options.offset { add(try optionColumn(name, option: "offset", frame: frame)) }
        guard let name = options.weights else { return (nil, offset) }
        let weights = try optionColumn(name, option: "weights", frame: frame)
        if let bad = weights.indices.first(where: { !(weights[$0] > 0 && weights[$0].isFinite) }) {
            throw FormulaError(.invalidWeight(column: name, row: frame.dataRow(bad), value: weights[bad]), formula: frame.formula)
        }
        return (weights, offset)
    }

    /// A numeric column named by an option, on the kept rows.
    private static func optionColumn(_ name: String, option: String, frame: ModelFrame) throws(FormulaError) -> [Double] {
        guard frame.column(name) != nil else {
            throw FormulaError(.unknownOptionColumn(option: option, name: name, suggestion: closestName(to: name, among: frame.data.names)), formula: frame.formula)
        }
        guard let values = frame.numericValues(name) else {
            throw FormulaError(.categoricalInArithmetic(column: name, expression: "the \(option)"), formula: frame.formula)
        }
        return values
    }

    /// lme4's warnings about random-effect terms that the data cannot identify:
    /// - a term whose columns are linearly dependent (a slope on a column that is constant, or
    ///   proportional to another): its covariance matrix is not identifiable;
    /// - a grouping factor that is also a factor of the fixed part: with a fixed effect for every
    ///   level, the REML criterion does not depend on the random intercepts' variance, and ML
    ///   estimates it from nothing but the penalty.
    static func identifiabilityWarnings(_ random: [RandomEffectTerm], fixed: TermList, aliasTolerance: Double) -> [String] {
        var notes: [String] = []
        for term in random where term.dimension > 1 {
            let columns = (0..<term.dimension).map { s in (0..<term.codes.count).map { term.z[s, $0] } }
            let dependent = AliasedColumns.find(in: columns, tolerance: aliasTolerance)
            if !dependent.isEmpty {
                let names = dependent.map { "'\(term.columnNames[$0])'" }.joined(separator: ", ")
                notes.append("the random-effect term on '\(term.group)' has linearly dependent columns (\(names) is constant or a combination of the others): its covariance is nearly unidentifiable (lme4 warns so too); drop the column from the term")
            }
        }
        let fixedFactors = Set(fixed.terms.flatMap { $0 }.compactMap { fixed.variables[$0].columnName })
        for term in random where fixedFactors.contains(term.group) && term.columnNames.contains("(Intercept)") {
            let note = "'\(term.group)' is both a fixed effect and a grouping factor: with a fixed effect for every level, the variance of its random intercepts is not identified (the REML criterion does not depend on it)"
            if !notes.contains(note) { notes.append(note) }
        }
        return notes
    }

    /// The warning for a grouping factor with one level. lme4 refuses such a factor (`mkReTrms`
    /// requires more than one sampled level) because a between-group variance cannot be
    /// estimated from one group. Marginal fits it: the model is still proper (the effects are
    /// integrated out, y ~ N(Xβ, σ²I + ZΣZᵀ)), and it is the one-level hierarchy of a Bayesian
    /// regression with a learned prior variance, w ~ N(0, σ_w²) (`marginal example prior-variance`).
    /// Each effect's variance is then learned from that single effect: an empirical-Bayes prior
    /// variance, not a variance across groups.
    static func singleLevelWarning(group: String, level: String) -> String {
        "the grouping factor '\(group)' has a single level ('\(level)'): lme4 refuses such a model; Marginal fits it, "
            + "but each random-effect variance of '\(group)' is learned from one effect (an empirical-Bayes prior variance, "
            + "not a variance between groups)"
    }

    /// The formula's terms and the rows it can use (listwise deletion over every column it names).
    static func termsAndFrame(
        _ formula: Formula, data: DataFrame, options: DesignOptions = DesignOptions()
    ) throws(FormulaError) -> (FormulaTerms, ModelFrame) {
        // Columns first: an unknown name is reported before any term expansion.
        var seen: Set<String> = []
        let columns = (formula.response.columnNames + formula.rhs.columnNames).filter { seen.insert($0.name).inserted }
        // Rows missing a weight or an option's offset are dropped too; an unknown name is reported later.
        let optionColumns = [options.weights, options.offset].compactMap { $0 }.filter { data.names.contains($0) }
        let frame = try ModelFrame(data: data, formula: formula, columns: columns,
                                   responseColumns: formula.response.columnNames.map(\.name), alsoComplete: optionColumns)
        let terms = try FormulaTerms(formula)
        return (terms, frame)
    }

    /// X with every column R's `model.matrix` would give, aliased ones included, and its `assign`
    /// (``ModelMatrixBuilder/assign``).
    static func fixedColumns(
        _ fixed: TermList, frame: ModelFrame, options: DesignOptions, warnings: inout [String],
        learned: inout StoredTransformations
    ) throws(FormulaError) -> (names: [String], columns: [[Double]], assign: [Int]) {
        let values = try frameVariables(fixed, frame: frame, options: options, learned: &learned)
        var factorNames: Set<String> = []
        for (index, value) in values where value.isFactor {
            if let name = fixed.variables[index].columnName { factorNames.insert(name) }
        }
        for name in options.contrasts.keys.sorted() where !factorNames.contains(name) {
            warnings.append("contrasts were given for '\(name)', which is not a factor of the fixed effects; they are ignored")
        }
        let builder = ModelMatrixBuilder(
            terms: fixed, values: values, rowCount: frame.rowCount,
            contrast: { index in options.fixedContrast(fixed.variables[index].columnName) })
        // X is held a few times over (columns, matrix, the fitter's copies): refuse what cannot fit.
        let bytes = 8 * 3 * builder.columnCount * Double(frame.rowCount)
        let available = Double(ProcessInfo.processInfo.physicalMemory) / 2
        guard bytes <= available else {
            throw FormulaError(.fixedEffectsTooLarge(columns: builder.columnCount, rows: frame.rowCount, bytes: bytes, available: available), formula: frame.formula)
        }
        let (names, columns) = builder.build()
        return (names, columns, builder.assign)
    }

    /// X as R's `model.matrix` gives it, before aliased columns are dropped (for tests and diagnostics).
    static func unreducedFixedMatrix(
        formula text: String, data: DataFrame, options: DesignOptions = DesignOptions()
    ) throws(FormulaError) -> (names: [String], columns: [[Double]]) {
        let (terms, frame) = try termsAndFrame(try Formula(text), data: data)
        var warnings: [String] = []
        var learned = StoredTransformations()
        let (names, columns, _) = try fixedColumns(terms.fixed, frame: frame, options: options, warnings: &warnings, learned: &learned)
        return (names, columns)
    }

    /// The values of the variables a term list uses: columns as they are (factors without
    /// unused levels, or with the stored levels when predicting), expressions evaluated, the
    /// functions of ``TransformFunction`` applied (``TransformEvaluator``). A factor with a
    /// single level is an error when fitting.
    static func frameVariables(
        _ terms: TermList, frame: ModelFrame, options: DesignOptions, learned: inout StoredTransformations
    ) throws(FormulaError) -> [Int: FrameVariable] {
        var values: [Int: FrameVariable] = [:]
        let evaluator = TransformEvaluator(frame: frame, stored: options.transformations)
        for index in terms.usedVariables {
            let variable = terms.variables[index]
            values[index] = try evaluator.variable(variable.expression, label: variable.label, learned: &learned)
        }
        return values
    }
}
