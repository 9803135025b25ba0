import Foundation

/// Evaluates arithmetic in a formula (the response, `I(...)`, `log(...)`, …) on the kept
/// rows of a ``ModelFrame``: `+ - * / ^`, unary minus, numbers and numeric columns.
///
/// A value that cannot be computed is an error naming the expression and the data row:
/// log of a non-positive number and the square root of a negative one (where R would give
/// NaN with a warning), and any other non-finite result from finite operands (division by
/// zero, overflow, a fractional power of a negative number). A NaN or infinity already in the
/// data passes through unchanged.
struct NumericEvaluator {
    let frame: ModelFrame

    /// The values of `expression` on the kept rows.
    func evaluate(_ expression: FormulaExpression) throws(FormulaError) -> [Double] {
        try evaluate(expression, within: expression.description)
    }

    /// - Parameter whole: the variable being computed, named in errors (`log(f)`).
    private func evaluate(_ expression: FormulaExpression, within whole: String) throws(FormulaError) -> [Double] {
        let n = frame.rowCount
        switch expression {
        case .name(let name, _, let span):
            if let values = frame.numericValues(name) { return values }
            throw FormulaError(.categoricalInArithmetic(column: name, expression: whole),
                               formula: frame.formula, span: span)
        case .number(let value, _):
            return [Double](repeating: value, count: n)
        case .string(_, let span):
            throw FormulaError(.unexpectedToken("string \(expression)"), formula: frame.formula, span: span)
        case .parenthesized(let inner, _):
            return try evaluate(inner, within: whole)
        case .unary(let op, let operand, _):
            let values = try evaluate(operand, within: whole)
            return op == .minus ? values.map { -$0 } : values
        case .call(let functionName, let arguments, let span):
            guard let function = NumericFunction(rawValue: functionName), arguments.count == 1 else {
                throw FormulaError(.unknownFunction(functionName), formula: frame.formula, span: span)
            }
            let argument = try evaluate(arguments[0], within: whole)
            var result = [Double](repeating: 0, count: n)
            for i in 0..<n {
                guard let value = function.apply(argument[i]) else {
                    let kind: FormulaError.Kind = function == .sqrt
                        ? .sqrtOfNegative(expression: expression.description, row: frame.dataRow(i), value: argument[i])
                        : .logOfNonPositive(expression: expression.description, row: frame.dataRow(i), value: argument[i])
                    throw FormulaError(kind, formula: frame.formula, span: span)
                }
                if !value.isFinite, argument[i].isFinite {
                    throw FormulaError(.notFinite(expression: expression.description, row: frame.dataRow(i)),
                                       formula: frame.formula, span: span)
                }
                result[i] = value
            }
            return result
        case .binary(let op, let lhs, let rhs, let span):
            let left = try evaluate(lhs, within: whole)
            let right = try evaluate(rhs, within: whole)
            let operation: (Double, Double) -> Double
            switch op {
            case .plus: operation = (+)
            case .minus: operation = (-)
            case .times: operation = (*)
            case .divide: operation = (/)
            case .power: operation = { power($0, $1) }
            case .colon:
                throw FormulaError(.colonInArithmetic, formula: frame.formula, span: span)
            case .bar, .doubleBar:
                throw FormulaError(.randomEffectInExpression, formula: frame.formula, span: span)
            case .assign:
                throw FormulaError(.unexpectedToken("'='"), formula: frame.formula, span: span)
            }
            var result = [Double](repeating: 0, count: n)
            for i in 0..<n {
                let value = operation(left[i], right[i])
                if !value.isFinite, left[i].isFinite, right[i].isFinite {
                    throw FormulaError(.notFinite(expression: expression.description, row: frame.dataRow(i)),
                                       formula: frame.formula, span: expression.fullSpan)
                }
                result[i] = value
            }
            return result
        }
    }
}

/// x^y as R's `R_pow` computes it: x·x for y = 2, 1 for x = 1 or y = 0, C's `pow` otherwise
/// (exact for whole exponents of negative bases, NaN for fractional ones).
func power(_ x: Double, _ y: Double) -> Double {
    if x == 1 || y == 0 { return 1 }
    if y == 2 { return x * x }
    return Foundation.pow(x, y)
}
