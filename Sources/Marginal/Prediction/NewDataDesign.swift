/// A fitted formula applied to new data: the columns of X and the random-effect terms, computed
/// with the transformations the fit learned (``StoredTransformations``: the same polynomial
/// coefficients, spline knots, centres, scales and factor levels), as R's `predict` does with a
/// model's `predvars`.
///
/// The response is not needed (the new data may lack it), nor are the weights. Rows missing a
/// variable the right-hand side uses are left out (`keptRows` lists the others). Aliased columns
/// are not dropped here: the prediction takes the fit's columns by name.
public struct NewDataDesign: Sendable {
    /// X's columns as R's `model.matrix` names them, each with a value per kept row.
    public var fixedColumns: [String: [Double]]
    /// The random-effect terms; their levels are those of the new data (matched to the fit's by label).
    public var randomEffects: [RandomEffectTerm]
    /// The formula's `offset(...)` terms and the offset column, or nil.
    public var offset: [Double]?
    /// The data rows (0-based) the design has a row for.
    public var keptRows: [Int]
    /// The binomial trials s + f of a response written `cbind(s, f)` when the data have its
    /// columns (NaN where they are missing), else nil.
    public var trials: [Double]?

    /// The prior weights (``DesignOptions/weights``) when the data have the column (NaN where a
    /// row's is missing), else nil; they are not needed for prediction.
    public var weights: [Double]?

    /// - Parameter options: the fit's design options with its ``DesignOptions/transformations``.
    public init(formula text: String, data: DataFrame, options: DesignOptions) throws(FormulaError) {
        let formula = try Formula(text)
        var options = options
        let weightColumn = options.weights
        options.weights = nil
        let optionColumns = [options.offset].compactMap { $0 }.filter { data.names.contains($0) }
        let frame = try ModelFrame(data: data, formula: formula, columns: formula.rhs.columnNames,
                                   responseColumns: [], alsoComplete: optionColumns)
        let terms = try FormulaTerms(formula)
        var warnings: [String] = []
        var learned = StoredTransformations()
        let (names, columns, _) = try ModelDesign.fixedColumns(terms.fixed, frame: frame, options: options, warnings: &warnings, learned: &learned)
        fixedColumns = Dictionary(zip(names, columns), uniquingKeysWith: { a, _ in a })
        randomEffects = try ModelDesign.randomEffectTerms(terms.random, frame: frame, options: options, learned: &learned)
        offset = try ModelDesign.weightsAndOffset(terms, frame: frame, options: options).offset
        keptRows = frame.keptRows
        weights = weightColumn.flatMap { frame.numericValues($0) }
        let responseColumns = formula.response.columnNames.map(\.name)
        if case .call("cbind", let arguments, _) = formula.response, arguments.count == 2,
           responseColumns.allSatisfy({ frame.numericValues($0) != nil }) {
            let evaluator = NumericEvaluator(frame: frame)
            trials = try zip(evaluator.evaluate(arguments[0]), evaluator.evaluate(arguments[1])).map { $0 + $1 }
        }
    }
}
