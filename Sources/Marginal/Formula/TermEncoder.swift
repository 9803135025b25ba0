/// Reads a formula's right-hand side as model terms, following R's `terms()`:
///
/// - `a + b` joins term lists; `a - b` removes b's terms from a's.
/// - `1` adds the intercept and `0` or `-1` removes it; the last one read wins
///   (`y ~ 0 + x + 1` has an intercept).
/// - `a:b` is every union of a term of a with a term of b (left terms varying slowest).
/// - `a*b` is `a + b + a:b`; `a/b` is `a + (all variables of a):b`;
///   `(a + b + c)^2` is every product of up to 2 of the terms.
/// - A function call (`log(x)`, `I(x^2)`) is one variable, named by its R spelling.
/// - `( lhs | g )` and `( lhs || g )`, added with `+`, are random-effect terms; they are
///   collected separately and contribute nothing to the fixed part (lme4's `nobars`); so are
///   glmmTMB's structured terms, `ar1(lhs | g)` and the others of ``CovarianceStructureKind``.
///
/// Duplicate terms are dropped (first kept); the result is ordered by degree, stable.
struct TermEncoder {
    let formula: String
    private(set) var variables: [TermVariable] = []
    private var variableIndex: [String: Int] = [:]
    private(set) var intercept = true
    private(set) var randomTerms: [RandomTermSpec] = []
    /// The arguments of `offset(...)` terms, summed into the model's offset.
    private(set) var offsets: [FormulaExpression] = []
    private(set) var warnings: [String] = []
    /// True when encoding the left-hand side of a random-effect term.
    private let insideRandomTerm: Bool
    /// The response's label, which may not appear among the terms.
    private let responseLabel: String?
    /// True when encoding the left-hand side of a structure with coordinates (`exp(…)`), the one
    /// place `numFactor(x, y)` may stand.
    private let takesCoordinates: Bool

    init(formula: String, insideRandomTerm: Bool = false, responseLabel: String? = nil, takesCoordinates: Bool = false) {
        self.formula = formula
        self.insideRandomTerm = insideRandomTerm
        self.responseLabel = responseLabel
        self.takesCoordinates = takesCoordinates
    }

    /// Encodes `expression` and returns the term list, sorted as R sorts terms.
    mutating func termList(_ expression: FormulaExpression) throws(FormulaError) -> TermList {
        let terms = try encode(expression, negated: false, top: true, inProduct: false)
        let sorted = terms.enumerated().sorted { lhs, rhs in
            lhs.element.count != rhs.element.count ? lhs.element.count < rhs.element.count : lhs.offset < rhs.offset
        }.map(\.element)
        return TermList(intercept: intercept, variables: variables, terms: sorted)
    }

    private func error(_ kind: FormulaError.Kind, _ span: SourceSpan) -> FormulaError {
        FormulaError(kind, formula: formula, span: span)
    }

    /// - Parameters:
    ///   - negated: inside the right operand of `-` (or a unary minus): `1` then removes the intercept.
    ///   - top: reached from the formula's top through `+` and parentheses only, where a
    ///     random-effect term may stand.
    ///   - inProduct: inside an operand of `:`, `*`, `/` or `^`, where 0 and 1 make no sense.
    private mutating func encode(
        _ expression: FormulaExpression, negated: Bool, top: Bool, inProduct: Bool
    ) throws(FormulaError) -> [[Int]] {
        switch expression {
        case .call(FormulaParser.offsetFunction, let arguments, let span):
            guard top, !negated, !insideRandomTerm, let argument = arguments.first else { throw error(.misplacedOffset, span) }
            try Self.checkArithmetic(argument, formula: formula)
            offsets.append(argument)
            return []
        case .call(let name, let arguments, let span) where CovarianceStructureKind(rawValue: name) != nil:
            if let argument = arguments.first, arguments.count == 1, let (lhs, group, correlated) = Self.barContent(argument) {
                if insideRandomTerm { throw error(.randomEffectInsideRandomEffect, span) }
                guard top, !negated else { throw error(.misplacedRandomEffect, span) }
                guard correlated else { throw error(.covarianceStructureDoubleBar(name), span) }
                let structure = CovarianceStructureKind(rawValue: name)
                var term = try randomTerm(lhs: lhs, group: group, correlated: true, span: span, takesCoordinates: structure?.usesCoordinates ?? false)
                term.structure = structure
                if let structure = term.structure, structure.indexesValues,
                   term.lhs.intercept || term.lhs.terms.count != 1 || term.lhs.terms[0].count != 1 {
                    throw error(.covarianceStructureNeedsOneVariable(name), lhs.fullSpan)
                }
                randomTerms.append(term)
                return []
            }
            // `exp(x)` is also the exponential function.
            guard name == CovarianceStructureKind.exp.rawValue else { throw error(.covarianceStructureWithoutBar(name), span) }
            return [[try variable(expression)]]
        case .name, .call:
            return [[try variable(expression)]]

        case .string(_, let span):
            throw error(.unexpectedToken("string \(expression)"), span)
        case .number(let value, let span):
            if inProduct { throw error(.interceptInInteraction, span) }
            if value == 1 { intercept = !negated; return [] }
            if value == 0 { intercept = negated; return [] }
            throw error(.numberInTerms(expression.description), span)

        case .parenthesized(let inner, let span):
            if let (lhs, group, correlated) = Self.barContent(inner) {
                if insideRandomTerm { throw error(.randomEffectInsideRandomEffect, span) }
                guard top, !negated else { throw error(.misplacedRandomEffect, span) }
                randomTerms.append(try randomTerm(lhs: lhs, group: group, correlated: correlated, span: span))
                return []
            }
            return try encode(inner, negated: negated, top: top, inProduct: inProduct)

        case .unary(let op, let operand, _):
            if op == .plus { return try encode(operand, negated: negated, top: top, inProduct: inProduct) }
            // `-x` removes x from nothing; only its effect on the intercept remains.
            _ = try encode(operand, negated: !negated, top: false, inProduct: inProduct)
            return []

        case .binary(let op, let lhs, let rhs, let span):
            switch op {
            case .plus:
                let left = try encode(lhs, negated: negated, top: top, inProduct: inProduct)
                let right = try encode(rhs, negated: negated, top: top, inProduct: inProduct)
                return Self.unique(left + right)
            case .minus:
                let left = try encode(lhs, negated: negated, top: top, inProduct: inProduct)
                let right = try encode(rhs, negated: !negated, top: false, inProduct: inProduct)
                return left.filter { !right.contains($0) }
            case .colon:
                let left = try encode(lhs, negated: negated, top: false, inProduct: true)
                let right = try encode(rhs, negated: negated, top: false, inProduct: true)
                return try interactions(left, right, span: span)
            case .times:
                let left = try encode(lhs, negated: negated, top: false, inProduct: true)
                let right = try encode(rhs, negated: negated, top: false, inProduct: true)
                return Self.unique(left + right + (try interactions(left, right, span: span)))
            case .divide:
                let left = try encode(lhs, negated: negated, top: false, inProduct: true)
                let right = try encode(rhs, negated: negated, top: false, inProduct: true)
                let outer = Array(Set(left.flatMap { $0 })).sorted()
                return Self.unique(left + right.map { Self.union(outer, $0) })
            case .power:
                let base = try encode(lhs, negated: negated, top: false, inProduct: true)
                let order = try exponent(rhs)
                if order > 1, base.count == 1, base[0].count == 1 {
                    let name = variables[base[0][0]].label
                    warnings.append("\(name)^\(order) in a formula means \(name) (interactions up to order \(order) of a single term); write I(\(name)^\(order)) for the power")
                }
                var result = base
                for _ in 1..<max(order, 1) {
                    let next = try interactions(base, result, span: span)
                    if next.count == result.count { break }  // every interaction is there already
                    result = next
                }
                return Self.unique(base + result)
            case .bar, .doubleBar:
                throw error(.barOutsideParentheses, span)
            case .assign:
                throw error(.unexpectedToken("'='"), span)
            }
        }
    }

    /// The exponent of `^` in a formula: a positive whole number.
    private func exponent(_ expression: FormulaExpression) throws(FormulaError) -> Int {
        var inner = expression
        while case .parenthesized(let content, _) = inner { inner = content }
        if case .number(let value, _) = inner, value >= 1, value <= 64, value == value.rounded() {
            return Int(value)
        }
        throw error(.invalidExponent(expression.description), expression.fullSpan)
    }

    /// The parts of `lhs | g` or `lhs || g` (under any parentheses), or nil.
    private static func barContent(
        _ expression: FormulaExpression
    ) -> (FormulaExpression, FormulaExpression, Bool)? {
        switch expression {
        case .binary(.bar, let lhs, let rhs, _): (lhs, rhs, true)
        case .binary(.doubleBar, let lhs, let rhs, _): (lhs, rhs, false)
        case .parenthesized(let inner, _): barContent(inner)
        default: nil
        }
    }

    private mutating func randomTerm(
        lhs: FormulaExpression, group: FormulaExpression, correlated: Bool, span: SourceSpan, takesCoordinates: Bool = false
    ) throws(FormulaError) -> RandomTermSpec {
        var encoder = TermEncoder(formula: formula, insideRandomTerm: true, responseLabel: responseLabel, takesCoordinates: takesCoordinates)
        let lhsTerms = try encoder.termList(lhs)
        warnings += encoder.warnings
        if lhsTerms.terms.isEmpty, !lhsTerms.intercept { throw error(.noColumns, span) }
        let groupings = try GroupingFactor.expand(group, formula: formula)
        return RandomTermSpec(lhs: lhsTerms, groupings: groupings, correlated: correlated, span: span)
    }

    /// The index of the variable `expression` stands for, registering it on first sight.
    private mutating func variable(_ expression: FormulaExpression) throws(FormulaError) -> Int {
        if case .name(".", false, let span) = expression { throw error(.allColumnsDot, span) }
        if case .call(let name, let arguments, let span) = expression {
            if name == FormulaParser.numFactorFunction, !takesCoordinates { throw error(.misplacedNumFactor, span) }
            for argument in arguments { try Self.checkArithmetic(argument, formula: formula) }
        }
        let label = expression.description
        if label == responseLabel { throw error(.responseOnRightSide(label), expression.fullSpan) }
        if let index = variableIndex[label] { return index }
        variables.append(TermVariable(label: label, expression: expression))
        variableIndex[label] = variables.count - 1
        return variables.count - 1
    }

    /// Rejects operators that have no arithmetic meaning: `:`, `|` and `||`.
    static func checkArithmetic(_ expression: FormulaExpression, formula: String) throws(FormulaError) {
        switch expression {
        case .name, .number, .string: return
        case .call(let function, let arguments, let span):
            if function == FormulaParser.offsetFunction { throw FormulaError(.misplacedOffset, formula: formula, span: span) }
            if function == FormulaParser.numFactorFunction { throw FormulaError(.misplacedNumFactor, formula: formula, span: span) }
            if CovarianceStructureKind(rawValue: function) != nil, let argument = arguments.first, barContent(argument) != nil {
                throw FormulaError(.misplacedRandomEffect, formula: formula, span: span)
            }
            if function != CovarianceStructureKind.exp.rawValue, CovarianceStructureKind(rawValue: function) != nil {
                throw FormulaError(.covarianceStructureWithoutBar(function), formula: formula, span: span)
            }
            for argument in arguments { try checkArithmetic(argument, formula: formula) }
        case .parenthesized(let inner, _): try checkArithmetic(inner, formula: formula)
        case .unary(_, let operand, _): try checkArithmetic(operand, formula: formula)
        case .binary(let op, let lhs, let rhs, let span):
            switch op {
            case .colon: throw FormulaError(.colonInArithmetic, formula: formula, span: span)
            case .bar, .doubleBar: throw FormulaError(.randomEffectInExpression, formula: formula, span: span)
            case .assign: try checkArithmetic(rhs, formula: formula)
            default:
                try checkArithmetic(lhs, formula: formula)
                try checkArithmetic(rhs, formula: formula)
            }
        }
    }

    // MARK: Term algebra (terms are ascending index lists, i.e. sets)

    private static func union(_ a: [Int], _ b: [Int]) -> [Int] {
        Array(Set(a).union(b)).sorted()
    }

    /// At most this many terms from one `*`, `:`, `/` or `^`: 20 variables crossed with `*` make
    /// 2²⁰ − 1 terms, which took minutes to expand before any other check.
    static let maximumTerms = 10_000

    /// Every union of a left term with a right term, the left one varying slowest.
    private func interactions(_ left: [[Int]], _ right: [[Int]], span: SourceSpan) throws(FormulaError) -> [[Int]] {
        let count = left.count * right.count
        if count > Self.maximumTerms { throw error(.tooManyTerms(count: count, limit: Self.maximumTerms), span) }
        return Self.unique(left.flatMap { l in right.map { r in Self.union(l, r) } })
    }

    /// The terms without repeats, first occurrences kept.
    private static func unique(_ terms: [[Int]]) -> [[Int]] {
        var seen: Set<[Int]> = []
        return terms.filter { seen.insert($0).inserted }
    }
}
