import Foundation
import Testing
@testable import Marginal

/// lme4's `re.form` as random-effect terms and MixedModels.jl's handling of new levels, against
/// lme4 1.1-31's `predict` (Fixtures/reference/formula/formula_functions.R): `~(1 | Subject)` in a
/// `(Days | Subject)` model adds the intercepts only; one of Penicillin's two crossed terms.
@Suite struct PredictionReFormTests {
    static func penicillin() throws -> (Predictor, DesignOptions) {
        let formula = "diameter ~ 1 + (1 | plate) + (1 | sample)"
        let data = try CSVReader.read(path: "Examples/Penicillin.csv")
        let design = try ModelDesign(formula: formula, data: data)
        var report = FitReport(try LinearMixedModel(design: design).fit(criterion: .reml))
        report.model = FormulaPredictionTests.source(design, formula: formula)
        var options = DesignOptions()
        options.transformations = design.transformations
        return (Predictor(try FormulaPredictionTests.saved(report)), options)
    }

    static let newPlates = try! DataFrame([
        ("plate", .categorical(CategoricalColumn(labels: ["a", "x", "zz"]))),
        ("sample", .categorical(CategoricalColumn(labels: ["A", "F", "C"]))),
    ])

    @Test func interceptsOnlyMatchLme4() throws {
        let (saved, _, options, _) = try FormulaPredictionTests.sleepFit()
        let predictions = try Predictor(saved).predict(
            try FormulaPredictionTests.newSleepData(), options: options, included: .terms("(1 | Subject)"), newLevels: .zero)
        let expected = [257.66500457185771, 235.71541524857966, 349.65494641414216, 405.51922192383455]
        for (p, value) in zip(predictions, expected) { #expect(abs(p.fit - value) < 1e-4, "\(p.fit) vs \(value)") }
        // Both terms' columns written out are the whole model, as re.form = NULL.
        let all = try Predictor(saved).predict(try FormulaPredictionTests.newSleepData(), options: options, newLevels: .zero)
        let spelled = try Predictor(saved).predict(
            try FormulaPredictionTests.newSleepData(), options: options, included: .terms("(1 + Days | Subject)"), newLevels: .zero)
        #expect(all == spelled)
    }

    @Test(arguments: [
        ("(1 | plate)", [23.776769128044201, 21.752425300471042, 22.972222222213748]),
        ("(1|sample)", [25.159280624052613, 19.968477455151127, 24.910122071945342]),
    ])
    func oneOfTwoCrossedTermsMatchesLme4(_ term: String, _ expected: [Double]) throws {
        let (predictor, options) = try Self.penicillin()
        let predictions = try predictor.predict(Self.newPlates, options: options, included: .terms(term), newLevels: .zero)
        for (p, value) in zip(predictions, expected) { #expect(abs(p.fit - value) < 1e-4, "\(p.fit) vs \(value)") }
    }

    @Test func unknownTermsNameTheFitsTerms() throws {
        let (predictor, options) = try Self.penicillin()
        let fitTerms = ["(1 | plate)", "(1 | sample)"]
        #expect(throws: PredictionError.unknownTerm("(1 | sample:plate)", fitTerms: fitTerms)) {
            _ = try predictor.predict(Self.newPlates, options: options, included: .terms("(1 | sample:plate)"), newLevels: .zero)
        }
        let (saved, _, sleepOptions, _) = try FormulaPredictionTests.sleepFit()
        var sleep = try FormulaPredictionTests.newSleepData()
        try sleep.append("plate", .numeric(NumericColumn([1, 1, 1, 1])))
        #expect(throws: PredictionError.unknownTerm("(0 + Days | plate)", fitTerms: ["(1 + Days | Subject)"])) {
            _ = try Predictor(saved).predict(sleep, options: sleepOptions, included: .terms("(0 + Days | plate)"), newLevels: .zero)
        }
        #expect(PredictionError.unknownTerm("(1 | g)", fitTerms: fitTerms).description
            == "the re-form term (1 | g) is not among the model's random-effect terms, (1 | plate) + (1 | sample)")
    }

    /// MixedModels.jl's `:missing`: the new plate's row is NaN (NA in the CSV), the others as `zero`.
    @Test func newLevelsMissingLeaveTheRowMissing() throws {
        let (predictor, options) = try Self.penicillin()
        let missing = try predictor.predict(Self.newPlates, options: options, newLevels: .missing, interval: 0.95)
        let zero = try predictor.predict(Self.newPlates, options: options, newLevels: .zero, interval: 0.95)
        #expect(missing[0] == zero[0] && missing[1] == zero[1])
        #expect(missing[2].fit.isNaN && missing[2].lower?.isNaN == true && missing[2].standardError == zero[2].standardError)
        // An excluded term's new level does not matter.
        let excluded = try predictor.predict(Self.newPlates, options: options, included: .terms("(1 | sample)"), newLevels: .missing)
        #expect(excluded.allSatisfy { $0.fit.isFinite })
        // The error names the closest level the fit has.
        let typo = try DataFrame([("plate", .categorical(CategoricalColumn(labels: ["aa"]))), ("sample", .categorical(CategoricalColumn(labels: ["A"])))])
        #expect(throws: PredictionError.newLevel(group: "plate", level: "aa", row: 1, suggestion: "a")) {
            _ = try predictor.predict(typo, options: options)
        }
    }
}

/// `--re-form` in lme4's syntax and `--new-levels` on the command line.
@Suite struct PredictionReFormCommandLineTests {
    @Test func readsLme4sSyntax() throws {
        let newData = try CommandLineTests.temporaryFile("plate,sample\na,A\nx,F\nzz,C\n", name: "new.csv")
        let fitFile = newData.deletingLastPathComponent().appendingPathComponent("fit.json").path
        let fit = try CommandLineTests.marginal(["fit", "Examples/Penicillin.csv", "-f", "diameter ~ 1 + (1 | plate) + (1 | sample)", "--json", "-o", fitFile, "--quiet"])
        #expect(fit.status == 0, "\(fit.stderr)")
        func fits(_ options: [String]) throws -> [String] {
            let run = try CommandLineTests.marginal(["predict", fitFile, newData.path] + options)
            #expect(run.status == 0, "\(run.stderr)")
            return run.stdout.split(separator: "\n").dropFirst().map { String($0.split(separator: ",")[1]) }
        }
        let plate = try fits(["--re-form", "~ (1 | plate)", "--new-levels", "zero"])
        #expect(abs(try #require(Double(plate[1])) - 21.752425300471042) < 1e-4)
        #expect(try fits(["--re-form", "NA"]) == fits(["--re-form", "~0"]))
        #expect(try fits(["--re-form", "NULL", "--allow-new-levels"]) == fits(["--new-levels", "zero"]))
        #expect(try fits(["--new-levels", "missing"])[2] == "NA")
        let unknown = try CommandLineTests.marginal(["predict", fitFile, newData.path, "--re-form", "~(1 | batch)", "--allow-new-levels"])
        #expect(unknown.status != 0 && unknown.stderr.contains("(1 | plate) + (1 | sample)"), "\(unknown.stderr)")
        let contradictory = try CommandLineTests.marginal(["predict", fitFile, newData.path, "--allow-new-levels", "--new-levels", "missing"])
        #expect(contradictory.status != 0 && contradictory.stderr.contains("--allow-new-levels is --new-levels zero"))
    }
}
