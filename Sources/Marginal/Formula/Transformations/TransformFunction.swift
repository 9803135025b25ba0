/// The functions of a formula whose values depend on the training data as a whole, not on
/// each value alone; what they learn is kept in ``StoredTransformations`` so that prediction
/// on new data applies the same transformation.
///
/// - `poly(x, degree, raw = FALSE)`: R's orthogonal polynomials (``OrthogonalPolynomial``), or
///   the powers x, x², … with `raw = TRUE`; columns named `poly(x, 2)1`, `poly(x, 2)2`.
/// - `ns(x, df)`, `bs(x, df, degree = 3)`: package splines' bases (``SplineBasis``).
/// - `scale(x)`: centred by the mean and divided by the standard deviation (``Scaling``).
/// - `factor(x)`: a column read as a factor, levels sorted as R sorts them.
/// - `dummy(f, "level")`: lme4's indicator of one level of f (as in `(0 + dummy(f, "a") | g)`).
public enum TransformFunction: String, CaseIterable, Sendable {
    case poly, ns, bs, scale, factor, dummy

    /// The formal arguments, in R's order (positional arguments fill the ones not named).
    var parameters: [String] {
        switch self {
        case .poly: ["x", "degree", "raw"]
        case .ns: ["x", "df"]
        case .bs: ["x", "df", "degree"]
        case .scale, .factor: ["x"]
        case .dummy: ["f", "levelsToKeep"]
        }
    }

    /// The arguments a call must give.
    var required: Int {
        switch self {
        case .poly, .ns, .bs, .dummy: 2
        case .scale, .factor: 1
        }
    }

    /// What the call accepts, for messages.
    var usage: String {
        switch self {
        case .poly: "a numeric expression and a degree: poly(x, 2) or poly(x, 2, raw = TRUE)"
        case .ns: "a numeric expression and the degrees of freedom: ns(x, 3)"
        case .bs: "a numeric expression, the degrees of freedom and optionally the degree: bs(x, 4) or bs(x, df = 5, degree = 2)"
        case .scale: "one numeric expression: scale(x)"
        case .factor: "one column: factor(x)"
        case .dummy: "a factor and one of its levels in quotes: dummy(f, \"a\")"
        }
    }

    /// R's argument matching: named arguments first, then positional ones in order.
    func match(_ arguments: [FormulaExpression]) -> [String: FormulaExpression]? {
        var matched: [String: FormulaExpression] = [:]
        var positional: [FormulaExpression] = []
        for argument in arguments {
            if case .binary(.assign, .name(let name, _, _), let value, _) = argument {
                guard parameters.contains(name), matched[name] == nil else { return nil }
                matched[name] = value
            } else {
                positional.append(argument)
            }
        }
        var open = parameters.filter { matched[$0] == nil }[...]
        for argument in positional {
            guard let name = open.popFirst() else { return nil }
            matched[name] = argument
        }
        return parameters.prefix(required).allSatisfy { matched[$0] != nil } ? matched : nil
    }
}
