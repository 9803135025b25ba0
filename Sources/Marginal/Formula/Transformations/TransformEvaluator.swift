/// Computes the variables of a formula on a model frame: columns, factors, arithmetic and the
/// calls of ``TransformFunction``, with what they learn from the data recorded in `learned`, or,
/// when `stored` has it (prediction on new data), taken from there instead.
struct TransformEvaluator {
    let frame: ModelFrame
    /// Transformations learned on training data, to apply rather than learn (nil when fitting).
    let stored: StoredTransformations?

    /// The value of the variable labelled `label`, written `expression`.
    func variable(_ expression: FormulaExpression, label: String, learned: inout StoredTransformations) throws(FormulaError) -> FrameVariable {
        if case .call(let name, let arguments, let span) = expression, let function = TransformFunction(rawValue: name) {
            guard let matched = function.match(arguments) else {
                throw FormulaError(.invalidArguments(function: name, expected: function.usage), formula: frame.formula, span: span)
            }
            return try call(function, matched, label: label, span: span, learned: &learned)
        }
        if case .name(let name, _, let span) = expression, let column = frame.column(name), case .categorical = column {
            return .factor(try factor(name, label: label, span: span, learned: &learned))
        }
        // glmmTMB's numFactor(x, y): the coordinates of a structured term, one column per argument.
        if case .call(FormulaParser.numFactorFunction, let arguments, _) = expression {
            var columns: [[Double]] = []
            for argument in arguments { columns.append(try NumericEvaluator(frame: frame).evaluate(argument)) }
            return .basis(columns)
        }
        return .numeric(try NumericEvaluator(frame: frame).evaluate(expression))
    }

    private func call(
        _ function: TransformFunction, _ arguments: [String: FormulaExpression], label: String, span: SourceSpan,
        learned: inout StoredTransformations
    ) throws(FormulaError) -> FrameVariable {
        let invalid = FormulaError(.invalidArguments(function: function.rawValue, expected: function.usage), formula: frame.formula, span: span)
        switch function {
        case .factor, .dummy:
            guard case .name(let name, _, let nameSpan)? = arguments[function == .factor ? "x" : "f"] else { throw invalid }
            let levels = try factor(name, label: function == .factor ? label : name, span: nameSpan, learned: &learned)
            if function == .factor { return .factor(levels) }
            guard case .string(let level, _)? = arguments["levelsToKeep"] else { throw invalid }
            guard let code = levels.levels.firstIndex(of: level) else {
                throw FormulaError(.unknownDummyLevel(expression: label, level: level, levels: levels.levels), formula: frame.formula, span: span)
            }
            return .numeric(levels.codes.map { Int($0) == code ? 1 : 0 })
        case .scale:
            guard let argument = arguments["x"] else { throw invalid }
            let x = try NumericEvaluator(frame: frame).evaluate(argument)
            let scaling = stored?.scalings[label] ?? Scaling(fitting: x)
            guard scaling.scale > 0, scaling.scale.isFinite else {
                // R divides by a zero standard deviation and gets NaN; Marginal stops.
                throw FormulaError(.notFinite(expression: label, row: frame.dataRow(0)), formula: frame.formula, span: span)
            }
            learned.scalings[label] = scaling
            return .numeric(scaling.apply(x))
        case .poly:
            guard let argument = arguments["x"], let degree = arguments["degree"].flatMap(Self.wholeNumber),
                  let raw = Self.logical(arguments["raw"]) else { throw invalid }
            let x = try NumericEvaluator(frame: frame).evaluate(argument)
            if raw { return .basis((1...max(degree, 1)).map { k in x.map { power($0, Double(k)) } }) }
            if let polynomial = stored?.polynomials[label] { return .basis(polynomial.columns(at: x)) }
            guard let polynomial = OrthogonalPolynomial(fitting: x, degree: degree) else {
                throw FormulaError(.polynomialDegreeTooHigh(expression: label, degree: degree, distinct: Set(x).count),
                                   formula: frame.formula, span: span)
            }
            learned.polynomials[label] = polynomial
            return .basis(polynomial.columns(at: x))
        case .ns, .bs:
            let natural = function == .ns
            guard let argument = arguments["x"], let df = arguments["df"].flatMap(Self.wholeNumber) else { throw invalid }
            let degree = natural ? 3 : (arguments["degree"].map(Self.wholeNumber) ?? 3)
            guard let degree else { throw invalid }
            let x = try NumericEvaluator(frame: frame).evaluate(argument)
            if let spline = stored?.splines[label] { return .basis(spline.columns(at: x)) }
            guard df >= SplineBasis.minimumDegreesOfFreedom(degree: degree, natural: natural),
                  let spline = SplineBasis(fitting: x, df: df, degree: degree, natural: natural) else {
                throw FormulaError(.splineDegreesOfFreedomTooSmall(
                    expression: label, df: df, minimum: SplineBasis.minimumDegreesOfFreedom(degree: degree, natural: natural)),
                                   formula: frame.formula, span: span)
            }
            learned.splines[label] = spline
            return .basis(spline.columns(at: x))
        }
    }

    /// The column `name` as a factor on the kept rows: with the stored levels of `label` when
    /// predicting (a level the fit did not see is an error), else with the levels that occur
    /// (at least two), which are recorded.
    func factor(_ name: String, label: String, span: SourceSpan, learned: inout StoredTransformations) throws(FormulaError) -> CategoricalColumn {
        guard let observed = frame.factor(name) else {
            throw FormulaError(.unknownColumn(name: name, suggestion: closestName(to: name, among: frame.data.names), available: frame.data.names),
                               formula: frame.formula, span: span)
        }
        if let levels = stored?.factorLevels[label] {
            var codes: [Int32] = []
            codes.reserveCapacity(observed.codes.count)
            for code in observed.codes {
                guard code >= 0 else { codes.append(-1); continue }
                let level = observed.levels[Int(code)]
                guard let index = levels.firstIndex(of: level) else {
                    throw FormulaError(.unseenLevel(column: label, level: level, known: levels), formula: frame.formula, span: span)
                }
                codes.append(Int32(index))
            }
            learned.factorLevels[label] = levels
            return CategoricalColumn(codes: codes, levels: levels)
        }
        if observed.levels.count < 2 {
            throw FormulaError(.singleLevelFactor(name: name, level: observed.levels.first ?? ""), formula: frame.formula, span: span)
        }
        learned.factorLevels[label] = observed.levels
        return observed
    }

    /// A positive whole number written as a literal.
    private static func wholeNumber(_ expression: FormulaExpression) -> Int? {
        guard case .number(let value, _) = expression, value >= 1, value <= 1_000, value == value.rounded() else { return nil }
        return Int(value)
    }

    /// `TRUE`/`T` or `FALSE`/`F`; absent is FALSE; anything else nil.
    private static func logical(_ expression: FormulaExpression?) -> Bool? {
        guard let expression else { return false }
        guard case .name(let name, false, _) = expression else { return nil }
        switch name {
        case "TRUE", "T": return true
        case "FALSE", "F": return false
        default: return nil
        }
    }
}
