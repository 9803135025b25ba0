import Foundation
import Testing
@testable import Marginal

/// The single-model anova against lmerTest 3.1-3's `anova(m)` and `anova(m, ddf = "Kenward-Roger")`
/// (pbkrtest 0.5.2) on REML fits with tight optimizer tolerances
/// (Fixtures/reference/inference/make_anova_references.R): sleepstudy (one term: lmerTest's Type I
/// contrasts), cake with a factor × covariate interaction (treatment contrasts), and an unbalanced
/// cake with two factors, one ordered (polynomial contrasts, carried to the fit's coefficients).
@Suite struct AnovaTableTests {
    struct Term: Sendable {
        let name: String
        let sumSq: Double
        let numDF: Int
        let denDF: Double
        let f: Double
        let p: Double
    }

    struct Reference: Sendable, CustomStringConvertible {
        let label: String
        let path: String
        let formula: String
        let ordered: Set<String>
        let method: DegreesOfFreedomMethod
        let terms: [Term]
        var description: String { "\(label) \(method.rawValue)" }
    }

    static let cakeUnbalanced = "Tests/MarginalTests/Fixtures/reference/inference/cake_unbalanced.csv"
    static let cakeFormula = "angle ~ recipe * temp + (1 | recipe:replicate)"

    static let references = [
        Reference(label: "sleepstudy", path: "Examples/sleepstudy.csv", formula: "Reaction ~ Days + (Days | Subject)", ordered: [],
                  method: .satterthwaite, terms: [
                      Term(name: "Days", sumSq: 30031.0113431831, numDF: 1, denDF: 16.9999979697, f: 45.8530020136, p: 3.263791876e-06),
                  ]),
        Reference(label: "sleepstudy", path: "Examples/sleepstudy.csv", formula: "Reaction ~ Days + (Days | Subject)", ordered: [],
                  method: .kenwardRoger, terms: [
                      Term(name: "Days", sumSq: 30031.0113431831, numDF: 1, denDF: 17.0000000000, f: 45.8530020136, p: 3.263789823e-06),
                  ]),
        Reference(label: "cake numeric", path: "Examples/cake.csv", formula: cakeFormula, ordered: [], method: .satterthwaite, terms: [
            Term(name: "recipe", sumSq: 3.9966839585, numDF: 2, denDF: 254.0157645063, f: 0.0956779638, p: 0.9087893556),
            Term(name: "temp", sumSq: 1966.7050793650, numDF: 1, denDF: 222.0000032434, f: 94.1632309611, p: 8.746834911e-19),
            Term(name: "recipe:temp", sumSq: 1.7415873016, numDF: 2, denDF: 222.0000034157, f: 0.0416924452, p: 0.9591722394),
        ]),
        Reference(label: "cake numeric", path: "Examples/cake.csv", formula: cakeFormula, ordered: [], method: .kenwardRoger, terms: [
            Term(name: "recipe", sumSq: 3.9966839585, numDF: 2, denDF: 254.0157606819, f: 0.0956779638, p: 0.9087893556),
            Term(name: "temp", sumSq: 1966.7050793650, numDF: 1, denDF: 221.9999999998, f: 94.1632309611, p: 8.746835721e-19),
            Term(name: "recipe:temp", sumSq: 1.7415873016, numDF: 2, denDF: 221.9999999998, f: 0.0416924452, p: 0.9591722394),
        ]),
        Reference(label: "cake unbalanced ordered", path: cakeUnbalanced, formula: cakeFormula, ordered: ["temp"], method: .satterthwaite, terms: [
            Term(name: "recipe", sumSq: 6.9557308109, numDF: 2, denDF: 41.8848770049, f: 0.1797781671, p: 0.8360967762),
            Term(name: "temp", sumSq: 1347.1666645974, numDF: 5, denDF: 171.9980537647, f: 13.9275748504, p: 1.989119743e-11),
            Term(name: "recipe:temp", sumSq: 272.0339547443, numDF: 10, denDF: 171.9954703543, f: 1.4062006454, p: 0.1810205122),
        ]),
        Reference(label: "cake unbalanced ordered", path: cakeUnbalanced, formula: cakeFormula, ordered: ["temp"], method: .kenwardRoger, terms: [
            Term(name: "recipe", sumSq: 6.9557099395, numDF: 2, denDF: 41.9161079758, f: 0.1797776277, p: 0.8360967482),
            Term(name: "temp", sumSq: 1346.6909761709, numDF: 5, denDF: 172.0288030929, f: 13.9226569452, p: 2.004430934e-11),
            Term(name: "recipe:temp", sumSq: 271.9429065442, numDF: 10, denDF: 172.0262468134, f: 1.4057299861, p: 0.1812293076),
        ]),
    ]

    /// The table of `reference`'s model, fitted by REML.
    static func table(_ reference: Reference) throws -> TermFTestTable {
        var csv = CSVOptions()
        csv.factorColumns = reference.ordered.union([reference.path.contains("sleepstudy") ? "Subject" : "replicate"])
        let data = try CSVReader.read(path: reference.path, options: csv)
        var options = DesignOptions()
        options.ordered = reference.ordered
        let formula = try Formula(reference.formula)
        let design = try ModelDesign(formula: formula, data: data, options: options)
        let model = try LinearMixedModel(design: design)
        let fit = try model.fit(criterion: .reml)
        let hypotheses = try design.typeIIIHypotheses(formula: formula, data: data, options: options)
        return try model.termFTests(fit, hypotheses: hypotheses, method: reference.method)
    }

    @Test(arguments: references)
    func matchesLmerTest(_ reference: Reference) throws {
        let table = try Self.table(reference)
        #expect(table.rows.map(\.term) == reference.terms.map(\.name))
        for (row, expected) in zip(table.rows, reference.terms) {
            #expect(row.numDF == expected.numDF, "\(row.term)")
            #expect(relativeError(try #require(row.denDF), expected.denDF) < 1e-4, "\(row.term) DenDF \(row.denDF ?? .nan) vs \(expected.denDF)")
            #expect(relativeError(try #require(row.fValue), expected.f) < 1e-4, "\(row.term) F \(row.fValue ?? .nan) vs \(expected.f)")
            #expect(relativeError(try #require(row.sumSq), expected.sumSq) < 1e-4, "\(row.term) Sum Sq \(row.sumSq ?? .nan) vs \(expected.sumSq)")
            #expect(relativeError(try #require(row.meanSq), expected.sumSq / Double(expected.numDF)) < 1e-4)
            #expect(relativeError(try #require(row.pValue), expected.p, floor: 1e-300) < 1e-3, "\(row.term) p \(row.pValue ?? .nan) vs \(expected.p)")
        }
    }

    /// lmerTest's layout: its heading, the columns, 5 significant digits, F to 4 decimals, stars; JSON with every key.
    @Test func printsAsLmerTest() throws {
        let table = try Self.table(Self.references[2])
        let text = table.text()
        #expect(text.hasPrefix("Type III Analysis of Variance Table with Satterthwaite's method\n"))
        let lines = text.split(separator: "\n")
        #expect(lines[1].split(separator: " ") == ["Sum", "Sq", "Mean", "Sq", "NumDF", "DenDF", "F", "value", "Pr(>F)"])
        #expect(lines[3].split(separator: " ") == ["temp", "1966.7", "1966.7", "1", "222.00", "94.1632", "<2e-16", "***"], "\(lines[3])")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(table.json().utf8)) as? [String: Any])
        #expect(json["method"] as? String == "Satterthwaite")
        let terms = try #require(json["terms"] as? [[String: Any]])
        #expect(terms.count == 3 && Set(terms[0].keys) == ["term", "sumSq", "meanSq", "numDF", "denDF", "fValue", "pValue"])
    }

    /// A term with nothing left to test is a row of NA, as lmerTest prints it.
    @Test func emptyHypothesisIsNA() throws {
        let row = TermFTestTable.Row(term: "x")
        let text = TermFTestTable(method: .satterthwaite, rows: [row]).text()
        #expect(text.split(separator: "\n")[2].split(separator: " ") == ["x", "NA", "NA", "NA", "NA", "NA", "NA"])
    }

    /// Containment follows R's `terms()` factors: in `a/b` = a + a:b, `a` is marked 2 in `a:b`.
    @Test func marginalVariablesFollowRsTerms() throws {
        let nested = try FormulaTerms(Formula("y ~ a/b")).fixed
        #expect(ModelDesign.marginalVariables(nested) == [[0], [1]])
        let crossed = try FormulaTerms(Formula("y ~ a*b")).fixed
        #expect(ModelDesign.marginalVariables(crossed) == [[0], [1], [0, 1]])
    }
}

/// `marginal anova FIT.json`: the F table of one saved linear fit, refitted from its data file.
@Suite struct AnovaTableCommandLineTests {
    @Test func testsTheTermsOfOneFit() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("marginal-anova-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("cake.json").path
        let fit = try CommandLineTests.marginal([
            "fit", AnovaTableTests.cakeUnbalanced, "-f", AnovaTableTests.cakeFormula, "--factor", "replicate", "--ordered", "temp",
            "--json", "-o", path, "--quiet",
        ])
        #expect(fit.status == 0, "\(fit.stderr)")
        let text = try CommandLineTests.marginal(["anova", path])
        #expect(text.status == 0 && text.stdout.hasPrefix("Type III Analysis of Variance Table with Satterthwaite's method"), "\(text.stderr)")
        let run = try CommandLineTests.marginal(["anova", path, "--ddf", "kenward-roger", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let terms = try #require(json["terms"] as? [[String: Any]])
        // lmerTest's anova(m, ddf = "Kenward-Roger"), AnovaTableTests.references[5].
        for (term, expected) in zip(terms, AnovaTableTests.references[5].terms) {
            #expect(term["term"] as? String == expected.name)
            #expect(relativeError(try #require(term["denDF"] as? Double), expected.denDF) < 1e-4)
            #expect(relativeError(try #require(term["fValue"] as? Double), expected.f) < 1e-4)
        }
        // Kenward–Roger needs REML: an ML fit is refused, with nothing on stdout.
        let ml = directory.appendingPathComponent("ml.json").path
        _ = try CommandLineTests.marginal(["fit", "Examples/sleepstudy.csv", "-f", "Reaction ~ Days + (Days | Subject)", "--ml", "--json", "-o", ml, "--quiet"])
        let refused = try CommandLineTests.marginal(["anova", ml, "--ddf", "kenward-roger", "-o", directory.appendingPathComponent("out.txt").path])
        #expect(refused.status != 0 && refused.stderr.contains("REML") && !FileManager.default.fileExists(atPath: directory.appendingPathComponent("out.txt").path))
        let satterthwaite = try CommandLineTests.marginal(["anova", ml])
        #expect(satterthwaite.status == 0 && satterthwaite.stdout.contains("Days"), "\(satterthwaite.stderr)")
    }
}
