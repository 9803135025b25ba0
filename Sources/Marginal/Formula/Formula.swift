/// A parsed model formula `response ~ terms`, in lme4's notation.
///
/// Parsing checks only the syntax; ``ModelDesign`` gives the formula its meaning against
/// a data frame. Example: `Reaction ~ 1 + Days + (1 + Days | Subject)`.
public struct Formula: Sendable, Equatable, CustomStringConvertible {
    /// The text as given.
    public let text: String
    /// The left-hand side: a column or an arithmetic expression such as `log(y)`.
    public let response: FormulaExpression
    /// The right-hand side: fixed-effect terms and random-effect terms `(lhs | g)`.
    public let rhs: FormulaExpression

    public init(_ text: String) throws(FormulaError) {
        var parser = try FormulaParser(text: text)
        let (response, rhs) = try parser.parseFormula()
        self.text = text
        self.response = response
        self.rhs = rhs
    }

    /// The formula printed back as R would print it (`y ~ x + (1 | g)`).
    public var description: String { "\(response) ~ \(rhs)" }

    /// Every column the formula names, in order of first appearance.
    public var columnNames: [String] {
        var seen: Set<String> = []
        return (response.columnNames + rhs.columnNames).map(\.name).filter { seen.insert($0).inserted }
    }

    /// The columns that must be numeric: those in the response and inside functions
    /// (`log(x)`, `I(x^2)`) other than `factor()` and `dummy()`. Other columns may be numeric or categorical.
    public var numericColumnNames: [String] {
        var names: [String] = response.columnNames.map(\.name)
        func visit(_ expression: FormulaExpression) {
            switch expression {
            case .name, .number, .string: break
            case .call(let function, _, _) where function == TransformFunction.factor.rawValue || function == TransformFunction.dummy.rawValue:
                break  // their argument is read as a factor
            case .call: names += expression.columnNames.map(\.name)
            case .parenthesized(let inner, _): visit(inner)
            case .unary(_, let operand, _): visit(operand)
            case .binary(_, let lhs, let rhs, _):
                visit(lhs)
                visit(rhs)
            }
        }
        visit(rhs)
        var seen: Set<String> = []
        return names.filter { seen.insert($0).inserted }
    }
}
