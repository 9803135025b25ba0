import Testing
@testable import Marginal

/// Term lists checked against R's `attr(terms(f), "term.labels")` and lme4's `findbars`.
@Suite struct FormulaTermsTests {
    func terms(_ text: String) throws -> FormulaTerms { try FormulaTerms(try Formula(text)) }

    @Test(arguments: [
        ("y ~ b:a + a + x + a:x:b", ["a", "x", "b:a", "b:a:x"]),
        ("y ~ a:b + b", ["b", "a:b"]),
        ("y ~ x:a", ["x:a"]),
        ("y ~ (a + b + c)^2 - a:b", ["a", "b", "c", "a:c", "b:c"]),
        ("y ~ (a + b + c)^3", ["a", "b", "c", "a:b", "a:c", "b:c", "a:b:c"]),
        ("y ~ a/b", ["a", "a:b"]),
        ("y ~ (a + b)/c", ["a", "b", "a:b:c"]),
        ("y ~ a*b*c - a:b:c", ["a", "b", "c", "a:b", "a:c", "b:c"]),
        ("y ~ a + a:b + b:a + a", ["a", "a:b"]),
        ("y ~ (x + a) - x", ["a"]),
        ("y ~ a:b - b:a", []),
        ("y ~ `my var` + x", ["`my var`", "x"]),
        ("y ~ I(x^2) + log(x + 1) + I(-x) + I((x+1)*2/3) + I(2.0*x) + I(1e5*x) + I(x-1)",
         ["I(x^2)", "log(x + 1)", "I(-x)", "I((x + 1) * 2/3)", "I(2 * x)", "I(1e+05 * x)", "I(x - 1)"]),
        ("y ~ x + (1 | g) + z", ["x", "z"]),
    ])
    func expandsLikeRsTerms(text: String, labels: [String]) throws {
        #expect(try terms(text).fixed.termLabels == labels)
    }

    @Test(arguments: [
        ("y ~ x", true), ("y ~ -1 + a", false), ("y ~ a - 1", false), ("y ~ 0 + a", false),
        ("y ~ a + 0", false), ("y ~ a - 1 + 1", true), ("y ~ 0 + a + 1", true), ("y ~ a - 0", true),
        ("y ~ 1", true), ("y ~ 0", false),
    ])
    func tracksTheIntercept(text: String, intercept: Bool) throws {
        #expect(try terms(text).fixed.intercept == intercept)
    }

    @Test func warnsThatAPowerOfOneVariableIsTheVariable() throws {
        let t = try terms("y ~ Days^2")
        #expect(t.fixed.termLabels == ["Days"])
        #expect(t.warnings.count == 1)
        #expect(t.warnings.first?.contains("I(Days^2)") == true)
    }

    @Test func expandsNestedGroupingAsLme4() throws {
        // lme4: findbars(y ~ (1|a/b/c)) gives 1 | c:(b:a), 1 | b:a, 1 | a.
        let t = try terms("y ~ x + (1 | a/b/c) + (1 | g) + (1 + x || a) + (0 + b | g)")
        #expect(t.random.count == 4)
        #expect(t.random[0].groupings.map(\.name) == ["c:(b:a)", "b:a", "a"])
        #expect(t.random[1].groupings.map(\.name) == ["g"])
        #expect(t.random[2].correlated == false)
        #expect(t.random[2].lhs.intercept && t.random[2].lhs.termLabels == ["x"])
        #expect(t.random[3].lhs.intercept == false && t.random[3].lhs.termLabels == ["b"])
        #expect(try terms("y ~ (1 | a:b:c)").random[0].groupings.map(\.name) == ["a:b:c"])
        #expect(try terms("y ~ (1 | a/b)").random[0].groupings.map(\.name) == ["b:a", "a"])
        #expect(try terms("y ~ (1 | a:b/c)").random[0].groupings.map(\.name) == ["c:(a:b)", "a:b"])
    }

    @Test func readsTheRandomLeftHandSideAsAFormula() throws {
        let t = try terms("y ~ (x | g) + (0 + x + log(z) | g) + ((1 | h))")
        #expect(t.random.map(\.lhs.intercept) == [true, false, true])
        #expect(t.random.map(\.lhs.termLabels) == [["x"], ["x", "log(z)"], []])
        #expect(t.fixed.termLabels.isEmpty && t.fixed.intercept)
    }
}
