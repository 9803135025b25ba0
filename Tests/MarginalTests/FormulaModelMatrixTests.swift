import Testing
@testable import Marginal

/// Fixed-effect model matrices compared with R 4's `model.matrix` on the same data
/// (the expected rows were printed by R and pasted here).
@Suite struct FormulaModelMatrixTests {
    func design(_ formula: String, options: DesignOptions = DesignOptions()) throws -> ModelDesign {
        try ModelDesign(formula: formula, data: try FormulaTestData.small(), options: options)
    }

    /// Compares X before aliased columns are dropped (R's `model.matrix`) with R's numbers.
    func expectMatrix(_ formula: String, options: DesignOptions = DesignOptions(),
                      names: [String], rows: [[Double]]) throws {
        let (actualNames, columns) = try ModelDesign.unreducedFixedMatrix(
            formula: formula, data: try FormulaTestData.small(), options: options)
        #expect(actualNames == names)
        let actualRows = (0..<8).map { i in columns.map { $0[i] } }
        #expect(FormulaTestData.close(actualRows, rows))
    }

    /// Names and a checksum Σ (k · X[k]) over the column-major entries (k from 1), both from R:
    /// `m <- model.matrix(f, D); colnames(m); sum(m * seq_along(m))`.
    @Test(arguments: [(String, [String], Double)]([
        ("y ~ a:b", ["(Intercept)", "ap:bu", "aq:bu", "ap:bv", "aq:bv", "ap:bw", "aq:bw"], 280),
        ("y ~ 0 + a:b", ["ap:bu", "aq:bu", "ap:bv", "aq:bv", "ap:bw", "aq:bw"], 180),
        ("y ~ x + a:b", ["(Intercept)", "x", "ap:bu", "aq:bu", "ap:bv", "aq:bv", "ap:bw", "aq:bw"], 852),
        ("y ~ a*b*x", ["(Intercept)", "aq", "bv", "bw", "x", "aq:bv", "aq:bw", "aq:x", "bv:x", "bw:x", "aq:bv:x", "aq:bw:x"], 6722),
        ("y ~ a + b:x + a:b:x", ["(Intercept)", "aq", "bu:x", "bv:x", "bw:x", "aq:bu:x", "aq:bv:x", "aq:bw:x"], 2364),
        ("y ~ 0 + x:a + x:b", ["x:ap", "x:aq", "x:bv", "x:bw"], 1058),
        ("y ~ x:z + a", ["(Intercept)", "aq", "x:z"], 378.5),
        ("y ~ (a + b):x", ["(Intercept)", "ap:x", "aq:x", "bv:x", "bw:x"], 1606),
        ("y ~ a/b/x", ["(Intercept)", "aq", "ap:bv", "aq:bv", "ap:bw", "aq:bw", "ap:bu:x", "aq:bu:x", "ap:bv:x", "aq:bv:x", "ap:bw:x", "aq:bw:x"], 3014),
        ("y ~ 0 + b + a", ["bu", "bv", "bw", "aq"], 208),
        ("y ~ 0 + x + a:b", ["x", "ap:bu", "aq:bu", "ap:bv", "aq:bv", "ap:bw", "aq:bw"], 456),
        ("y ~ a*x - 1", ["ap", "aq", "x", "aq:x"], 1504),
        ("y ~ a:b + a:x", ["(Intercept)", "ap:bu", "aq:bu", "ap:bv", "aq:bv", "ap:bw", "aq:bw", "ap:x", "aq:x"], 2732),
        ("y ~ b:a + a", ["(Intercept)", "aq", "bv:ap", "bw:ap", "bv:aq", "bw:aq"], 258),
        ("y ~ I(x^2):a + x", ["(Intercept)", "x", "I(x^2):ap", "I(x^2):aq"], 6608),
        ("y ~ 0 + a:x:b + b", ["bu", "bv", "bw", "ap:x:bu", "aq:x:bu", "ap:x:bv", "aq:x:bv", "ap:x:bw", "aq:x:bw"], 1968),
        ("y ~ x + z:a:b - 1", ["x", "z:ap:bu", "z:aq:bu", "z:ap:bv", "z:aq:bv", "z:ap:bw", "z:aq:bw"], 385.5),
        // b is coded by contrasts in a:b because {a} lies inside the earlier term x:a.
        ("y ~ x:a + a:b", ["(Intercept)", "x:ap", "x:aq", "ap:bv", "aq:bv", "ap:bw", "aq:bw"], 914),
        ("y ~ a:x:z + b:z", ["(Intercept)", "z:bu", "z:bv", "z:bw", "ap:x:z", "aq:x:z"], 760),
    ]))
    func matchesRModelMatrix(formula: String, names: [String], checksum: Double) throws {
        let (actualNames, columns) = try ModelDesign.unreducedFixedMatrix(formula: formula, data: try FormulaTestData.small())
        #expect(actualNames == names)
        let sum = columns.flatMap { $0 }.enumerated().reduce(0.0) { $0 + $1.element * Double($1.offset + 1) }
        #expect(abs(sum - checksum) < 1e-9 * max(1, abs(checksum)))
    }

    @Test func factorTimesNumericWithTreatmentContrasts() throws {
        try expectMatrix("y ~ a*x", names: ["(Intercept)", "aq", "x", "aq:x"], rows: [
            [1, 0, 1, 0], [1, 1, 2, 2], [1, 0, 3, 0], [1, 1, 4, 4],
            [1, 0, 5, 0], [1, 1, 6, 6], [1, 0, 7, 0], [1, 1, 9, 9],
        ])
    }

    @Test func sumContrastsOnRequest() throws {
        try expectMatrix("y ~ a*b", options: DesignOptions(contrasts: ["a": .sum]),
                         names: ["(Intercept)", "a1", "bv", "bw", "a1:bv", "a1:bw"], rows: [
            [1, 1, 0, 0, 0, 0], [1, -1, 0, 0, 0, 0], [1, 1, 1, 0, 1, 0], [1, -1, 1, 0, -1, 0],
            [1, 1, 0, 1, 0, 1], [1, -1, 0, 1, 0, -1], [1, 1, 0, 0, 0, 0], [1, -1, 1, 0, -1, 0],
        ])
    }

    @Test func helmertContrasts() throws {
        try expectMatrix("y ~ b + x", options: DesignOptions(defaultContrast: .helmert),
                         names: ["(Intercept)", "b1", "b2", "x"], rows: [
            [1, -1, -1, 1], [1, -1, -1, 2], [1, 1, -1, 3], [1, 1, -1, 4],
            [1, 0, 2, 5], [1, 0, 2, 6], [1, -1, -1, 7], [1, 1, -1, 9],
        ])
    }

    @Test func numericByFactorWithoutMainEffectUsesIndicators() throws {
        try expectMatrix("y ~ x:b", names: ["(Intercept)", "x:bu", "x:bv", "x:bw"], rows: [
            [1, 1, 0, 0], [1, 2, 0, 0], [1, 0, 3, 0], [1, 0, 4, 0],
            [1, 0, 0, 5], [1, 0, 0, 6], [1, 7, 0, 0], [1, 0, 9, 0],
        ])
    }

    @Test func noInterceptCodesTheFirstFactorByIndicators() throws {
        try expectMatrix("y ~ 0 + a:x + b", names: ["bu", "bv", "bw", "ap:x", "aq:x"], rows: [
            [1, 0, 0, 1, 0], [1, 0, 0, 0, 2], [0, 1, 0, 3, 0], [0, 1, 0, 0, 4],
            [0, 0, 1, 5, 0], [0, 0, 1, 0, 6], [1, 0, 0, 7, 0], [0, 1, 0, 0, 9],
        ])
    }

    @Test func interactionWithoutOneMainEffect() throws {
        try expectMatrix("y ~ b + a:b", names: ["(Intercept)", "bv", "bw", "bu:aq", "bv:aq", "bw:aq"], rows: [
            [1, 0, 0, 0, 0, 0], [1, 0, 0, 1, 0, 0], [1, 1, 0, 0, 0, 0], [1, 1, 0, 0, 1, 0],
            [1, 0, 1, 0, 0, 0], [1, 0, 1, 0, 0, 1], [1, 0, 0, 0, 0, 0], [1, 1, 0, 0, 1, 0],
        ])
    }

    @Test func powerOfASum() throws {
        try expectMatrix("y ~ (a + b + x)^2",
                         names: ["(Intercept)", "aq", "bv", "bw", "x", "aq:bv", "aq:bw", "aq:x", "bv:x", "bw:x"], rows: [
            [1, 0, 0, 0, 1, 0, 0, 0, 0, 0], [1, 1, 0, 0, 2, 0, 0, 2, 0, 0],
            [1, 0, 1, 0, 3, 0, 0, 0, 3, 0], [1, 1, 1, 0, 4, 1, 0, 4, 4, 0],
            [1, 0, 0, 1, 5, 0, 0, 0, 0, 5], [1, 1, 0, 1, 6, 0, 1, 6, 0, 6],
            [1, 0, 0, 0, 7, 0, 0, 0, 0, 0], [1, 1, 1, 0, 9, 1, 0, 9, 9, 0],
        ])
        // Ten columns on eight rows: R's qr(X, tol = 1e-7) pivots out bv:x and bw:x.
        let d = try design("y ~ (a + b + x)^2")
        #expect(d.fixedEffects.aliased == ["bv:x", "bw:x"])
        #expect(d.fixedEffects.p == 8)
    }

    @Test func nestingInTheFixedPart() throws {
        try expectMatrix("y ~ a/x", names: ["(Intercept)", "aq", "ap:x", "aq:x"], rows: [
            [1, 0, 1, 0], [1, 1, 0, 2], [1, 0, 3, 0], [1, 1, 0, 4],
            [1, 0, 5, 0], [1, 1, 0, 6], [1, 0, 7, 0], [1, 1, 0, 9],
        ])
    }

    @Test func functionsAndArithmetic() throws {
        let (names, allColumns) = try ModelDesign.unreducedFixedMatrix(
            formula: "y ~ I(x^2) + log(x) + sqrt(z + 2) + exp(-z) + I(-x/2) + log10(x) + I((x - 1)*z/2)",
            data: try FormulaTestData.small())
        #expect(names == ["(Intercept)", "I(x^2)", "log(x)", "sqrt(z + 2)", "exp(-z)", "I(-x/2)",
                          "log10(x)", "I((x - 1) * z/2)"])
        let columns = Array(allColumns.dropFirst())
        // R: model.matrix(...)[, j], printed with 15 significant digits.
        let expected: [[Double]] = [
            [1, 4, 9, 16, 25, 36, 49, 81],
            [0, 0.693147180559945, 1.09861228866811, 1.38629436111989, 1.6094379124341, 1.79175946922805, 1.94591014905531, 2.19722457733622],
            [1.58113883008419, 1.87082869338697, 1, 2, 1.4142135623731, 2.23606797749979, 1.73205080756888, 0],
            [0.606530659712633, 0.22313016014843, 2.71828182845905, 0.135335283236613, 1, 0.0497870683678639, 0.367879441171442, 7.38905609893065],
            [-0.5, -1, -1.5, -2, -2.5, -3, -3.5, -4.5],
            [0, 0.301029995663981, 0.477121254719662, 0.602059991327962, 0.698970004336019, 0.778151250383644, 0.845098040014257, 0.954242509439325],
            [0, 0.75, -1, 3, 0, 7.5, 3, -8],
        ]
        #expect(FormulaTestData.close(columns, expected, tolerance: 1e-13))
        // log10(x) = log(x)/log(10): R's qr(X, tol = 1e-7) finds it aliased.
        #expect(try design("y ~ log(x) + log10(x) + abs(z)").fixedEffects.aliased == ["log10(x)"])
    }

    @Test func responseExpression() throws {
        let d = try design("log(y) ~ 1")
        #expect(d.responseName == "log(y)")
        #expect(FormulaTestData.close([d.response], [[1.1314021114911, 1.43508452528932, 0.916290731874155, 1.79175946922805,
                                                      1.70474809223843, 1.98100146886658, 0, 2.14006616349627]], tolerance: 1e-13))
        #expect(d.fixedEffects.names == ["(Intercept)"])
    }

    @Test func aliasedNumericColumnsAreDropped() throws {
        // R: qr(model.matrix(y ~ x + z + I(x + 2*z) + I(3*x)), tol = 1e-7) pivots out the last two.
        let d = try design("y ~ x + z + I(x + 2*z) + I(3*x)")
        #expect(d.fixedEffects.names == ["(Intercept)", "x", "z"])
        #expect(d.fixedEffects.aliased == ["I(x + 2 * z)", "I(3 * x)"])
        #expect(d.fixedEffects.matrix.columns == 3)
        #expect(d.warnings.contains { $0.contains("rank deficient") && $0.contains("I(3 * x)") })
    }

    @Test func anEmptyCellAliasesItsInteractionColumn() throws {
        // The first five rows lack the combination (q, w). R: qr(...)$pivot drops "aq:bw".
        let full = try FormulaTestData.small()
        let y = try full.column("y"), a = try full.column("a"), b = try full.column("b")
        func head(_ column: Column) -> Column {
            switch column {
            case .numeric(let c): .numeric(NumericColumn(Array(c.values.prefix(5))))
            case .categorical(let c): .categorical(CategoricalColumn(codes: Array(c.codes.prefix(5)), levels: c.levels))
            }
        }
        let data = try DataFrame([("y", head(y)), ("a", head(a)), ("b", head(b))])
        let d = try ModelDesign(formula: "y ~ a*b", data: data)
        #expect(d.fixedEffects.names == ["(Intercept)", "aq", "bv", "bw", "aq:bv"])
        #expect(d.fixedEffects.aliased == ["aq:bw"])
    }

    @Test func sleepstudyFixedEffects() throws {
        let data = try FormulaTestData.example("sleepstudy")
        let d = try ModelDesign(formula: "Reaction ~ Days + (Days | Subject)", data: data)
        #expect(d.nobs == 180)
        #expect(d.fixedEffects.p == 2)
        #expect(d.fixedEffects.names == ["(Intercept)", "Days"])
        #expect(d.fixedEffects.matrix.column(1).prefix(11) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0])
        #expect(d.response.prefix(2) == [249.56, 258.7047])
        #expect(d.droppedRows == 0 && d.keptRows == Array(0..<180))
        #expect(d.formula == "Reaction ~ Days + (Days | Subject)")
    }

    @Test func factorLevelsUnusedAfterDroppingAreRemoved() throws {
        // Rows with b = w are the only ones where y is missing; b then has levels u, v only.
        var data = try FormulaTestData.small()
        try data.replace("y", with: .numeric(NumericColumn(values: [3.1, 4.2, 2.5, 6.0, .nan, .nan, 1.0, 8.5],
                                                            missing: [false, false, false, false, true, true, false, false])))
        let d = try ModelDesign(formula: "y ~ b", data: data)
        #expect(d.droppedRows == 2)
        #expect(d.keptRows == [0, 1, 2, 3, 6, 7])
        #expect(d.fixedEffects.names == ["(Intercept)", "bv"])
        #expect(FormulaTestData.rows(d.fixedEffects.matrix) == [[1, 0], [1, 0], [1, 1], [1, 1], [1, 0], [1, 1]])
    }

    @Test func aFactorNamedInContrastsButAbsentIsReported() throws {
        let d = try design("y ~ x", options: DesignOptions(contrasts: ["q": .sum]))
        #expect(d.warnings.contains { $0.contains("'q'") })
    }
}
