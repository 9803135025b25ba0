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
        // lme4 reads a right-hand side that is a bare `lhs | g` (`|` binds loosest) as the one
        // random-effect term (lhs | g), with an intercept as the whole fixed part (`nobars`).
        var rhs = formula.rhs
        var bareNote: String? = nil
        if case .binary(let op, _, _, _) = rhs, op == .bar || op == .doubleBar {
            bareNote = "the right-hand side '\(rhs)' is read as lme4 reads it, one random-effect term (\(rhs)) and an intercept as the only fixed effect; write e.g. y ~ x + (1 | g) for fixed effects besides"
            rhs = .parenthesized(rhs, span: rhs.fullSpan)
        }
        fixed = try encoder.termList(rhs)
        random = encoder.randomTerms
        offsets = encoder.offsets
        warnings = encoder.warnings + (bareNote.map { [$0] } ?? [])
    }
}
