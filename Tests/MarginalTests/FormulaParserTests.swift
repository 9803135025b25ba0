import Testing
@testable import Marginal

/// The tree of an expression in prefix notation, to check how the parser grouped it.
func prefix(_ expression: FormulaExpression) -> String {
    switch expression {
    case .name(let name, _, _): name
    case .number(let value, _): rNumberLabel(value)
    case .string(let value, _): "\"\(value)\""
    case .call(let function, let arguments, _): "(\(function) \(arguments.map(prefix).joined(separator: " ")))"
    case .parenthesized(let inner, _): "[\(prefix(inner))]"
    case .unary(let op, let operand, _): "(\(op.rawValue) \(prefix(operand)))"
    case .binary(let op, let lhs, let rhs, _): "(\(op.rawValue) \(prefix(lhs)) \(prefix(rhs)))"
    }
}

@Suite struct FormulaParserTests {
    func tree(_ text: String) throws -> String {
        let formula = try Formula(text)
        return "\(prefix(formula.response)) ~ \(prefix(formula.rhs))"
    }

    @Test func parsesTheSleepstudyFormula() throws {
        let formula = try Formula("Reaction ~ 1 + Days + (1 + Days | Subject)")
        #expect(prefix(formula.rhs) == "(+ (+ 1 Days) [(| (+ 1 Days) Subject)])")
        #expect(formula.description == "Reaction ~ 1 + Days + (1 + Days | Subject)")
        #expect(formula.columnNames == ["Reaction", "Days", "Subject"])
        #expect(formula.numericColumnNames == ["Reaction"])
    }

    @Test func followsRsPrecedence() throws {
        #expect(try tree("y ~ a + b:c*d") == "y ~ (+ a (* (: b c) d))")
        #expect(try tree("y ~ a*b/c") == "y ~ (/ (* a b) c)")
        #expect(try tree("y ~ a - b - c") == "y ~ (- (- a b) c)")
        #expect(try tree("y ~ -a:b") == "y ~ (: (- a) b)")
        #expect(try tree("y ~ -a^2") == "y ~ (- (^ a 2))")
        #expect(try tree("y ~ a^b^c") == "y ~ (^ a (^ b c))")
        #expect(try tree("y ~ I(a^-1)") == "y ~ (I (^ a (- 1)))")
        #expect(try tree("y ~ -1 + x") == "y ~ (+ (- 1) x)")
        #expect(try tree("y ~ 1 + x | g") == "y ~ (| (+ 1 x) g)")
        #expect(try tree("y ~ (x || g)") == "y ~ [(|| x g)]")
        #expect(try tree("y ~ (1 | a/b/c)") == "y ~ [(| 1 (/ (/ a b) c))]")
        #expect(try tree("y ~ (1 | a:b)") == "y ~ [(| 1 (: a b))]")
        #expect(try tree("log(y) ~ I((x + 1)^2)") == "(log y) ~ (I (^ [(+ x 1)] 2))")
    }

    @Test func printsAsRDeparses() throws {
        #expect(try Formula("y~x+(1|g)").description == "y ~ x + (1 | g)")
        #expect(try Formula("y ~ I(2.0*x) + I(1e5*x) + I(.5*x) + I(x/2) + I(x^2)").description
            == "y ~ I(2 * x) + I(1e+05 * x) + I(0.5 * x) + I(x/2) + I(x^2)")
        #expect(try Formula("`my var` ~ `x 1` + log(`a b`) + `ok`").description == "`my var` ~ `x 1` + log(`a b`) + ok")
        #expect(try Formula("y.1 ~ x_2 + .z + (0 + x_2 || g.h)").description == "y.1 ~ x_2 + .z + (0 + x_2 || g.h)")
        #expect(try Formula("y ~ a*b - 1").description == "y ~ a * b - 1")
    }

    @Test func readsNumbersAndNames() throws {
        let tokens = try FormulaLexer.tokens(of: "x1 .5 2e-3 `a b` 1E2 a.b_c")
        #expect(tokens.map(\.kind) == [
            .name("x1", backquoted: false), .number(0.5, text: ".5"), .number(0.002, text: "2e-3"),
            .name("a b", backquoted: true), .number(100, text: "1E2"), .name("a.b_c", backquoted: false), .end,
        ])
        #expect(tokens.map(\.span.start) == [0, 3, 6, 11, 17, 21, 26])
    }

    /// Parses `text` expecting an error; returns it.
    func failure(_ text: String) -> FormulaError? {
        do {
            let formula = try Formula(text)
            _ = try FormulaTerms(formula)
            return nil
        } catch {
            return error
        }
    }

    @Test func showsTheOffendingPlaceWithACaret() throws {
        let error = try #require(failure("Reaction ~ Days + )"))
        #expect(error.kind == .unexpectedToken("')'"))
        #expect(error.span?.start == 18)
        #expect(error.description == """
            unexpected ')' in formula
              Reaction ~ Days + )
                                ^
            """)
    }

    @Test func underlinesAWholeName() throws {
        let error = try #require(failure("y ~ foo(x)"))
        #expect(error.kind == .unknownFunction("foo"))
        #expect(error.description.hasSuffix("\n  y ~ foo(x)\n      ^~~"))
    }

    @Test(arguments: [
        ("Reaction Days", FormulaError.Kind.unexpectedToken("'Days'"), 9),
        ("Reaction", .missingTilde, 8),
        ("~ Days", .missingResponse, 0),
        ("", .emptyFormula, 0),
        ("y ~", .missingRightHandSide, 3),
        ("y ~ x +", .unexpectedEnd, 7),
        ("y ~ ( | g)", .emptyRandomEffect, 6),
        ("y ~ (|| g)", .emptyRandomEffect, 5),
        ("y ~ (1 | )", .emptyGroupingFactor, 9),
        ("y ~ (1 | g", .unclosedParenthesis, 4),
        ("y ~ log(x", .unclosedParenthesis, 7),
        ("y ~ x)", .unmatchedClosingParenthesis, 5),
        ("y ~ ()", .emptyParentheses, 4),
        ("y ~ x ~ z", .extraTilde, 6),
        ("y ~ x $ z", .unexpectedCharacter("$"), 6),
        ("y ~ `x", .unclosedBackquote, 4),
        ("y ~ ``", .emptyName, 4),
        ("y ~ log(x, 2)", .wrongArgumentCount(function: "log", found: 2), 4),
        ("y ~ ploy(x)", .unknownFunction("ploy"), 4),
        ("y ~ (a | b | g)", .barOutsideParentheses, 7),
        ("y ~ a | b || g", .barOutsideParentheses, 6),
        ("y ~ x + 2", .numberInTerms("2"), 8),
        ("y ~ x:(1 | g)", .misplacedRandomEffect, 6),
        ("y ~ x - (1 | g)", .misplacedRandomEffect, 8),
        ("y ~ (1 + (1 | h) | g)", .randomEffectInsideRandomEffect, 9),
        ("y ~ (1 | g + h)", .invalidGroupingFactor, 9),
        ("y ~ (1 | log(g))", .invalidGroupingFactor, 9),
        ("y ~ x^z", .invalidExponent("z"), 6),
        ("y ~ (a + b)^0.5", .invalidExponent("0.5"), 12),
        ("y ~ I(a:b)", .colonInArithmetic, 7),
        ("y ~ log(a | b)", .randomEffectInExpression, 10),
        ("y ~ 1:x", .interceptInInteraction, 4),
        ("y ~ x + (0 | g)", .noColumns, 8),
        ("y ~ y + x", .responseOnRightSide("y"), 4),
        ("y | g ~ x", .randomEffectInExpression, 2),
        ("y ~ . + (1 | g)", .allColumnsDot, 4),
    ])
    func reportsSyntaxErrors(text: String, kind: FormulaError.Kind, position: Int) throws {
        let error = try #require(failure(text))
        #expect(error.kind == kind)
        #expect(error.span?.start == position)
        // The caret line points at the same column.
        let lines = error.description.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3)
        if lines.count == 3 {
            #expect(lines[2].firstIndex(of: "^").map { lines[2].distance(from: lines[2].startIndex, to: $0) } == position + 2)
        }
    }
}
