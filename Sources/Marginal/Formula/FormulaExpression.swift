/// The syntax tree of one side of a formula, before any meaning is given to the operators.
///
/// The same tree serves the two readings R gives a formula: as model terms (`a*b` means
/// `a + b + a:b`) and, inside `I()` and functions such as `log()`, as arithmetic.
public indirect enum FormulaExpression: Sendable, Equatable {
    /// A column name; `backquoted` when it was written between backquotes.
    case name(String, backquoted: Bool, span: SourceSpan)
    case number(Double, span: SourceSpan)
    /// A quoted string: a function's argument such as the level of `dummy(f, "a")`.
    case string(String, span: SourceSpan)
    /// A function applied to arguments: `log(x)`, `I(x^2)`. The span covers the whole call.
    case call(function: String, arguments: [FormulaExpression], span: SourceSpan)
    /// `( inner )`, kept so that the formula prints back as written.
    case parenthesized(FormulaExpression, span: SourceSpan)
    /// Unary `-` or `+`.
    case unary(FormulaOperator, FormulaExpression, span: SourceSpan)
    /// A binary operator; the span covers the operator itself.
    case binary(FormulaOperator, FormulaExpression, FormulaExpression, span: SourceSpan)

    /// Where the expression (or its operator) is in the formula text.
    public var span: SourceSpan {
        switch self {
        case .name(_, _, let span), .number(_, let span), .string(_, let span), .call(_, _, let span),
             .parenthesized(_, let span), .unary(_, _, let span), .binary(_, _, _, let span):
            span
        }
    }

    /// The span of the whole expression, from its first to its last character.
    var fullSpan: SourceSpan {
        switch self {
        case .name, .number, .string, .call, .parenthesized: span
        case .unary(_, let operand, let span): span.through(operand.fullSpan)
        case .binary(_, let lhs, let rhs, _): lhs.fullSpan.through(rhs.fullSpan)
        }
    }
}

/// The operators of formula syntax, from R's grammar.
public enum FormulaOperator: String, Sendable, Equatable {
    case plus = "+"
    case minus = "-"
    case times = "*"
    case divide = "/"
    case colon = ":"
    case power = "^"
    case bar = "|"
    case doubleBar = "||"
    /// A named argument of a function: `raw = TRUE` in `poly(x, 2, raw = TRUE)`.
    case assign = "="
}

extension FormulaExpression: CustomStringConvertible {
    /// The expression printed as R's `deparse` prints it: spaces around `+`, `-`, `*`,
    /// `|` and `||`, none around `/`, `^` and `:`; numbers with up to 15 significant digits
    /// (`2.0` → `2`, `1e5` → `1e+05`); names that are not syntactic in backquotes.
    /// Model-matrix column names are built from this text (`I(x^2)`, `log(x + 1)`).
    public var description: String {
        switch self {
        case .name(let name, let backquoted, _):
            // A reserved word written bare is a value (`raw = TRUE`) and prints as such.
            return Self.isSyntacticName(name) || (!backquoted && Self.reservedWords.contains(name)) ? name : "`\(name)`"
        case .number(let value, _):
            return rNumberLabel(value)
        case .string(let value, _):
            return "\"\(value)\""
        case .call(let function, let arguments, _):
            return "\(function)(\(arguments.map(\.description).joined(separator: ", ")))"
        case .parenthesized(let inner, _):
            return "(\(inner))"
        case .unary(let op, let operand, _):
            return "\(op.rawValue)\(operand)"
        case .binary(let op, let lhs, let rhs, _):
            switch op {
            case .plus, .minus, .times, .bar, .doubleBar, .assign: return "\(lhs) \(op.rawValue) \(rhs)"
            case .divide, .colon, .power: return "\(lhs)\(op.rawValue)\(rhs)"
            }
        }
    }

    /// R's reserved words, which can name a column only between backquotes.
    static let reservedWords: Set<String> = [
        "if", "else", "repeat", "while", "function", "for", "next", "break", "in",
        "TRUE", "FALSE", "NULL", "Inf", "NaN", "NA", "NA_integer_", "NA_real_", "NA_character_",
        "NA_complex_",
    ]

    /// Whether R accepts `name` without backquotes: a letter, or `.` not followed by a digit,
    /// then letters, digits, `.` and `_`; and not a reserved word.
    static func isSyntacticName(_ name: String) -> Bool {
        let characters = Array(name)
        guard let first = characters.first, !reservedWords.contains(name) else { return false }
        if !(first.isLetter || first == ".") { return false }
        if first == ".", characters.count > 1, characters[1].isASCII, characters[1].isNumber { return false }
        return characters.allSatisfy { $0.isLetter || ($0.isASCII && $0.isNumber) || $0 == "." || $0 == "_" }
    }

    /// The column names the expression refers to, in order of first appearance (argument names
    /// and R's reserved words such as `TRUE` excepted).
    var columnNames: [(name: String, span: SourceSpan)] {
        var seen: Set<String> = []
        var result: [(String, SourceSpan)] = []
        func visit(_ expression: FormulaExpression) {
            switch expression {
            case .name(let name, let backquoted, let span):
                // TRUE, FALSE, … are values (`raw = TRUE`), not columns.
                if backquoted || !Self.reservedWords.contains(name), seen.insert(name).inserted { result.append((name, span)) }
            case .number, .string: break
            case .call(_, let arguments, _): arguments.forEach(visit)
            case .parenthesized(let inner, _): visit(inner)
            case .unary(_, let operand, _): visit(operand)
            case .binary(.assign, _, let value, _): visit(value)  // the argument's name is not a column
            case .binary(_, let lhs, let rhs, _):
                visit(lhs)
                visit(rhs)
            }
        }
        visit(self)
        return result
    }
}
