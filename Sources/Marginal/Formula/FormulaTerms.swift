/// A formula read as model terms: the response, the fixed-effect terms (R's `terms()` of
/// lme4's `nobars(formula)`) and the random-effect terms (lme4's `findbars`, with `/` expanded).
struct FormulaTerms: Sendable, Equatable {
    var response: FormulaExpression
    var fixed: TermList
    var random: [RandomTermSpec]
    /// The arguments of the `offset(...)` terms.
    var offsets: [FormulaExpression]
    /// Notes for the user (e.g. `x^2` read as `x`).
    var warnings: [String]

    init(_ formula: Formula) throws(FormulaError) {
        try TermEncoder.checkArithmetic(formula.response, formula: formula.text)
        var encoder = TermEncoder(formula: formula.text, responseLabel: formula.response.description)
        response = formula.response
        fixed = try encoder.termList(formula.rhs)
        random = encoder.randomTerms
        offsets = encoder.offsets
        warnings = encoder.warnings
    }
}
