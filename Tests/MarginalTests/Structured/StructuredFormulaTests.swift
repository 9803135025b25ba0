import Foundation
import Testing
@testable import Marginal

/// Structured terms in formulas: what they build, and clear errors with a caret for misuse.
@Suite struct StructuredFormulaTests {
    static let orthodont = StructuredCovarianceReferenceTests.directory + "orthodont.csv"

    @Test func buildsOneIndicatorPerDistinctValue() throws {
        let data = try CSVReader.read(path: StructuredCovarianceReferenceTests.directory + "ou.csv")
        let design = try ModelDesign(formula: "y ~ time + ou(time + 0 | id)", data: data)
        let term = try #require(design.randomEffects.first)
        #expect(term.structure == .ou)
        #expect(term.columnNames == ["time0", "time0.3", "time1", "time1.8", "time3.5", "time6"])
        #expect(term.coordinates == [[0], [0.3], [1], [1.8], [3.5], [6]])
        for i in 0..<design.nobs { #expect((0..<term.dimension).map { term.z[$0, i] }.reduce(0, +) == 1) }
        // glmmTMB's numFactor(x, y): distinct points in lexicographic order.
        let spatial = try ModelDesign(
            formula: "z ~ 1 + exp(numFactor(x, y) + 0 | group)", data: CSVReader.read(path: StructuredCovarianceReferenceTests.directory + "spatial.csv"))
        let field = try #require(spatial.randomEffects.first)
        #expect(field.dimension == 60 && field.levelCount == 1)
        #expect(field.columnNames.first == "numFactor(x, y)(0,0.25)")
        #expect(field.coordinates.first == [0, 0.25] && field.coordinates.allSatisfy { $0.count == 2 })
        #expect(spatial.warnings.isEmpty, "\(spatial.warnings)")
        // exp(x) without a bar is still the exponential function.
        let fixed = try ModelDesign(formula: "y ~ exp(time) + (1 | id)", data: data)
        #expect(fixed.fixedEffects.names == ["(Intercept)", "exp(time)"])
    }

    static let misuses: [(formula: String, kind: FormulaError.Kind, caret: String)] = [
        ("distance ~ ar1(age) + (1 | Subject)", .covarianceStructureWithoutBar("ar1"), "ar1(age)"),
        ("distance ~ age + ar1(age + 0 || Subject)", .covarianceStructureDoubleBar("ar1"), "ar1(age + 0 || Subject)"),
        ("distance ~ age + ar1(1 + age | Subject)", .covarianceStructureNeedsOneVariable("ar1"), "1 + age"),
        ("distance ~ age + toep(age + Sex + 0 | Subject)", .covarianceStructureNeedsOneVariable("toep"), "age + Sex + 0"),
        ("distance ~ age + ou(Sex + 0 | Subject)", .coordinatesNotNumeric(structure: "ou", variable: "Sex"), "ou(Sex + 0 | Subject)"),
        ("distance ~ age + cs(1 | Subject)", .covarianceStructureTooSmall(structure: "cs", columns: 1), "cs(1 | Subject)"),
        ("distance ~ age + (1 | Subject) + log(gau(age + 0 | Subject))", .misplacedRandomEffect, "gau(age + 0 | Subject)"),
        ("distance ~ age - ar1(age + 0 | Subject)", .misplacedRandomEffect, "ar1(age + 0 | Subject)"),
        ("distance ~ numFactor(age) + (1 | Subject)", .misplacedNumFactor, "numFactor(age)"),
        ("distance ~ age + ar1(numFactor(age) + 0 | Subject)", .misplacedNumFactor, "numFactor(age)"),
        ("distance ~ age + ou(numFactor(age, distance) + 0 | Subject)", .coordinatesNotOneDimensional(structure: "ou", dimensions: 2),
         "ou(numFactor(age, distance) + 0 | Subject)"),
    ]

    @Test(arguments: misuses.indices)
    func misuseIsAnErrorWithACaret(_ index: Int) throws {
        let (formula, kind, caret) = Self.misuses[index]
        let data = try CSVReader.read(path: Self.orthodont)
        let error = try #require(throws: FormulaError.self) { try ModelDesign(formula: formula, data: data) }
        #expect(error.kind == kind)
        let span = try #require(error.span)
        let marked = String(Array(formula)[span.start..<span.end])
        #expect(marked == caret, "\(error)")
    }

    /// The dense S × S blocks of a structured term over many positions are refused, not allocated,
    /// when they would not fit (here against a limit of 1 MB: 60 × 60 × 16 bytes fits, 10⁶ do not).
    @Test func refusesBlocksThatWouldNotFit() throws {
        let data = try CSVReader.read(path: StructuredCovarianceReferenceTests.directory + "spatial.csv")
        let model = try LinearMixedModel(formula: "z ~ 1 + exp(numFactor(x, y) + 0 | group)", data: data)
        let x = model.design.fixedEffects.matrix, y = model.design.responseLessOffset
        _ = try CrossProducts(blocks: model.blocks, x: x, y: y, memoryLimit: 1e6)
        #expect(throws: MixedModelError.levelBlocksTooLarge(group: "group", effectsPerLevel: 60, levels: 1, bytes: 57_600, available: 5e4)) {
            try CrossProducts(blocks: model.blocks, x: x, y: y, memoryLimit: 5e4)
        }
    }
}
