/// The grouping factor of a random-effect term: a column, or an interaction of factors.
///
/// lme4 reads `(1 | a/b)` as `(1 | b:a) + (1 | a)`: the nested factor is named with the inner
/// factor first. Levels of an interaction `f:g` are the combinations that occur, ordered
/// with the first-named factor varying slowest (R's `:` on factors followed by dropping unused
/// levels), labelled `fLevel:gLevel`. For lme4's Pastes fit, `cask:batch` has levels
/// `a:A`, `a:B`, … .
indirect enum GroupingFactor: Sendable, Equatable {
    case column(String, span: SourceSpan)
    case interaction(GroupingFactor, GroupingFactor)

    /// The name as lme4 prints it: `Subject`, `b:a`, `c:(b:a)` (R's deparse puts parentheses
    /// around an interaction on the right of `:`).
    var name: String {
        switch self {
        case .column(let name, _):
            return FormulaExpression.isSyntacticName(name) ? name : "`\(name)`"
        case .interaction(let left, let right):
            if case .interaction = right { return "\(left.name):(\(right.name))" }
            return "\(left.name):\(right.name)"
        }
    }

    /// The columns the factor is made of, left to right.
    var columns: [(name: String, span: SourceSpan)] {
        switch self {
        case .column(let name, let span): [(name, span)]
        case .interaction(let left, let right): left.columns + right.columns
        }
    }

    /// The grouping factors a `|` term's right-hand side stands for, in lme4's order:
    /// `g` → [g]; `a:b` → [a:b]; `a/b` → [b:a, a]; `a/b/c` → [c:(b:a), b:a, a].
    static func expand(_ expression: FormulaExpression, formula: String) throws(FormulaError) -> [GroupingFactor] {
        switch expression {
        case .parenthesized(let inner, _):
            return try expand(inner, formula: formula)
        case .binary(.divide, let outer, let inner, _):
            let outerFactors = try expand(outer, formula: formula)
            let nested = try single(inner, formula: formula)
            guard let innermost = outerFactors.first else { return [nested] }
            return [.interaction(nested, innermost)] + outerFactors
        default:
            return [try single(expression, formula: formula)]
        }
    }

    /// A column or an interaction of columns (no `/`).
    private static func single(_ expression: FormulaExpression, formula: String) throws(FormulaError) -> GroupingFactor {
        switch expression {
        case .name(let name, _, let span):
            return .column(name, span: span)
        case .parenthesized(let inner, _):
            return try single(inner, formula: formula)
        case .binary(.colon, let left, let right, _):
            return .interaction(try single(left, formula: formula), try single(right, formula: formula))
        default:
            throw FormulaError(.invalidGroupingFactor, formula: formula, span: expression.fullSpan)
        }
    }
}
