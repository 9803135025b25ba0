/// A recursive-descent parser for formulas, with R's operator precedence (tightest first):
///
///     ^   (right-associative; its exponent may carry a unary minus: 2^-1)
///     unary - and +
///     :
///     * and /
///     binary + and -
///     | and ||
///     ~
///
/// so `y ~ 1 + Days | Subject` would group as `y ~ ((1 + Days) | Subject)` and
/// `-a^2` as `-(a^2)`. The parser gives operators no meaning; ``FormulaTerms`` does.
struct FormulaParser {
    private let text: String
    private let tokens: [FormulaToken]
    private var index = 0
    /// Parentheses, calls and unary signs open at this point of the recursive descent.
    private var depth = 0

    /// Longer formulas and deeper nesting are refused with a message rather than risking the
    /// stack of the recursive parser and of the passes over the tree (10,000 nested parentheses or
    /// 20,000 `+ x` terms overflowed it): a real model has tens of terms.
    static let maximumTokens = 2_000
    static let maximumDepth = 100

    init(text: String) throws(FormulaError) {
        self.text = text
        self.tokens = try FormulaLexer.tokens(of: text)
        if tokens.count > Self.maximumTokens {
            let span = tokens[Self.maximumTokens].span.through(tokens[tokens.count - 1].span)
            throw FormulaError(.formulaTooLong(tokens: tokens.count, limit: Self.maximumTokens), formula: text, span: span)
        }
    }

    /// Enters one level of nesting at `span`; deeper than ``maximumDepth`` is an error.
    private mutating func enter(at span: SourceSpan) throws(FormulaError) {
        depth += 1
        if depth > Self.maximumDepth { throw error(.nestingTooDeep(limit: Self.maximumDepth), at: span) }
    }

    /// Parses `response ~ terms`.
    mutating func parseFormula() throws(FormulaError) -> (response: FormulaExpression, rhs: FormulaExpression) {
        if current.kind == .tilde { throw error(.missingResponse, at: current.span) }
        if current.kind == .end { throw error(.emptyFormula, at: current.span) }
        let response = try parseBar()
        guard current.kind == .tilde else {
            if current.kind == .end { throw error(.missingTilde, at: current.span) }
            throw unexpected(current)
        }
        advance()
        if current.kind == .end { throw error(.missingRightHandSide, at: current.span) }
        let rhs = try parseBar()
        guard current.kind == .end else { throw unexpected(current) }
        return (response, rhs)
    }

    // MARK: Token access

    private var current: FormulaToken { tokens[min(index, tokens.count - 1)] }

    private mutating func advance() { if index < tokens.count - 1 { index += 1 } }

    private func error(_ kind: FormulaError.Kind, at span: SourceSpan) -> FormulaError {
        FormulaError(kind, formula: text, span: span)
    }

    /// The error for a token that cannot come where it stands.
    private func unexpected(_ token: FormulaToken) -> FormulaError {
        switch token.kind {
        case .end: error(.unexpectedEnd, at: token.span)
        case .tilde: error(.extraTilde, at: token.span)
        case .rightParen: error(.unmatchedClosingParenthesis, at: token.span)
        default: error(.unexpectedToken(token.display), at: token.span)
        }
    }

    // MARK: Precedence levels

    private mutating func parseBar() throws(FormulaError) -> FormulaExpression {
        var lhs = try parseSum()
        while current.kind == .bar || current.kind == .doubleBar {
            let op: FormulaOperator = current.kind == .bar ? .bar : .doubleBar
            let span = current.span
            advance()
            if current.kind == .rightParen || current.kind == .end {
                throw error(.emptyGroupingFactor, at: current.span)
            }
            let rhs = try parseSum()
            lhs = .binary(op, lhs, rhs, span: span)
        }
        return lhs
    }

    private mutating func parseSum() throws(FormulaError) -> FormulaExpression {
        var lhs = try parseProduct()
        while current.kind == .plus || current.kind == .minus {
            let op: FormulaOperator = current.kind == .plus ? .plus : .minus
            let span = current.span
            advance()
            let rhs = try parseProduct()
            lhs = .binary(op, lhs, rhs, span: span)
        }
        return lhs
    }

    private mutating func parseProduct() throws(FormulaError) -> FormulaExpression {
        var lhs = try parseInteraction()
        while current.kind == .star || current.kind == .slash {
            let op: FormulaOperator = current.kind == .star ? .times : .divide
            let span = current.span
            advance()
            let rhs = try parseInteraction()
            lhs = .binary(op, lhs, rhs, span: span)
        }
        return lhs
    }

    private mutating func parseInteraction() throws(FormulaError) -> FormulaExpression {
        var lhs = try parseUnary()
        while current.kind == .colon {
            let span = current.span
            advance()
            let rhs = try parseUnary()
            lhs = .binary(.colon, lhs, rhs, span: span)
        }
        return lhs
    }

    private mutating func parseUnary() throws(FormulaError) -> FormulaExpression {
        if current.kind == .minus || current.kind == .plus {
            let op: FormulaOperator = current.kind == .minus ? .minus : .plus
            let span = current.span
            advance()
            try enter(at: span)
            defer { depth -= 1 }
            return .unary(op, try parseUnary(), span: span)
        }
        return try parsePower()
    }

    private mutating func parsePower() throws(FormulaError) -> FormulaExpression {
        let base = try parsePrimary()
        guard current.kind == .caret else { return base }
        let span = current.span
        advance()
        return .binary(.power, base, try parseExponent(), span: span)
    }

    /// The right operand of `^`: binds tighter than everything but another `^`, and may
    /// start with a sign (R reads `a^-1` as `a^(-1)`).
    private mutating func parseExponent() throws(FormulaError) -> FormulaExpression {
        if current.kind == .minus || current.kind == .plus {
            let op: FormulaOperator = current.kind == .minus ? .minus : .plus
            let span = current.span
            advance()
            return .unary(op, try parseExponent(), span: span)
        }
        return try parsePower()
    }

    private mutating func parsePrimary() throws(FormulaError) -> FormulaExpression {
        let token = current
        switch token.kind {
        case .name(let name, let backquoted):
            advance()
            if current.kind == .leftParen, !backquoted { return try parseCall(name, span: token.span) }
            return .name(name, backquoted: backquoted, span: token.span)
        case .number(let value, _):
            advance()
            return .number(value, span: token.span)
        case .string(let value):
            advance()
            return .string(value, span: token.span)
        case .leftParen:
            advance()
            if current.kind == .bar || current.kind == .doubleBar {
                throw error(.emptyRandomEffect, at: current.span)
            }
            if current.kind == .rightParen { throw error(.emptyParentheses, at: token.span.through(current.span)) }
            try enter(at: token.span)
            defer { depth -= 1 }
            let inner = try parseBar()
            guard current.kind == .rightParen else {
                if current.kind == .end { throw error(.unclosedParenthesis, at: token.span) }
                throw unexpected(current)
            }
            let close = current.span
            advance()
            return .parenthesized(inner, span: token.span.through(close))
        case .rightParen:
            throw error(.unexpectedToken(token.display), at: token.span)
        default:
            throw unexpected(token)
        }
    }

    /// `name(arguments)`: only the functions in ``knownFunctions``. An argument may be named,
    /// `name = value` (`poly(x, 2, raw = TRUE)`), and is then a `.binary(.assign, …)`.
    private mutating func parseCall(_ name: String, span: SourceSpan) throws(FormulaError) -> FormulaExpression {
        // offset() is not arithmetic: the term encoder takes it out of the fixed part; cbind() is a
        // binomial response, read by the design.
        guard Self.knownFunctions.contains(name) else {
            throw error(.unknownFunction(name), at: span)
        }
        let open = current.span
        advance()
        try enter(at: open)
        defer { depth -= 1 }
        var arguments: [FormulaExpression] = []
        if current.kind != .rightParen {
            while true {
                arguments.append(try parseArgument())
                guard current.kind == .comma else { break }
                advance()
            }
        }
        guard current.kind == .rightParen else {
            if current.kind == .end { throw error(.unclosedParenthesis, at: open) }
            throw unexpected(current)
        }
        let close = current.span
        advance()
        let expected = name == "cbind" ? 2 : (TransformFunction(rawValue: name) == nil && name != Self.numFactorFunction ? 1 : nil)
        if let expected, arguments.count != expected {
            throw error(.wrongArgumentCount(function: name, found: arguments.count), at: span)
        }
        if name == Self.numFactorFunction, arguments.isEmpty {
            throw error(.wrongArgumentCount(function: name, found: 0), at: span)
        }
        return .call(function: name, arguments: arguments, span: span.through(close))
    }

    /// One argument of a call: `value`, or `name = value`.
    private mutating func parseArgument() throws(FormulaError) -> FormulaExpression {
        let token = current
        if case .name(let name, let backquoted) = token.kind, tokens[min(index + 1, tokens.count - 1)].kind == .equals {
            advance()
            let equals = current.span
            advance()
            return .binary(.assign, .name(name, backquoted: backquoted, span: token.span), try parseBar(), span: equals)
        }
        return try parseBar()
    }

    /// The functions a formula may call: elementwise ones, those that learn from the data
    /// (``TransformFunction``), `offset`, `cbind`, the covariance structures
    /// (``CovarianceStructureKind``; `exp` is also the exponential function) and `numFactor`.
    static let knownFunctions: [String] =
        NumericFunction.allCases.map(\.rawValue) + TransformFunction.allCases.map(\.rawValue) + [offsetFunction, "cbind"]
        + CovarianceStructureKind.allCases.map(\.rawValue) + [numFactorFunction]

    /// glmmTMB's `numFactor(x, y, …)`: the coordinates of a kernel structure (`exp(numFactor(x, y) + 0 | g)`).
    static let numFactorFunction = "numFactor"

    /// lme4's `offset(expr)`: a term with a fixed coefficient 1.
    static let offsetFunction = "offset"
}
