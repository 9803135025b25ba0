import Foundation
import Testing
@testable import Marginal

/// Prediction from a saved fit against lme4 1.1-31's `predict` (Fixtures/reference/formula/
/// formula_functions.R): a linear model with `poly` and correlated slopes on sleepstudy, the
/// cbpp binomial model, on new data with a level the fit did not see; and the prediction on the
/// training data against the fit's fitted values.
@Suite struct FormulaPredictionTests {
    /// A fit through its JSON, as `marginal predict` reads it.
    static func saved<Report: Encodable>(_ report: Report) throws -> PredictableFit {
        try PredictableFit.decode(Data(try JSONOutput.encode(report).utf8))
    }

    static func source(_ design: ModelDesign, formula: String) -> ModelSource {
        ModelSource(data: "training.csv", dataFingerprint: "", formula: formula, transformations: design.transformations)
    }

    static let sleepFormula = "Reaction ~ poly(Days, 2) + (Days | Subject)"

    static func sleepFit() throws -> (PredictableFit, LinearMixedModelFit, DesignOptions, DataFrame) {
        let data = try CSVReader.read(path: "Examples/sleepstudy.csv")
        let design = try ModelDesign(formula: sleepFormula, data: data)
        let fit = try LinearMixedModel(design: design).fit(criterion: .reml)
        var report = FitReport(fit)
        report.model = source(design, formula: sleepFormula)
        var options = DesignOptions()
        options.transformations = design.transformations
        return (try saved(report), fit, options, data)
    }

    /// Days 0, 2.5, 9, 12 for subjects 308, 309, 999 (new) and 372.
    static func newSleepData() throws -> DataFrame {
        try DataFrame([("Days", .numeric(NumericColumn([0, 2.5, 9, 12]))), ("Subject", .numeric(NumericColumn([308, 309, 999, 372])))])
    }

    @Test func linearPredictionsMatchLme4() throws {
        let (saved, _, options, _) = try Self.sleepFit()
        let predictor = Predictor(saved)
        let population = try predictor.predict(try Self.newSleepData(), options: options, included: .none)
        let conditional = try predictor.predict(try Self.newSleepData(), options: options, newLevels: .zero)
        let expectedPopulation = [255.44937277777740, 276.14097485585017, 349.65494641414216, 393.18960808080919]
        let expectedConditional = [257.66500457185771, 214.17085264935019, 349.65494641414216, 420.90292152511142]
        let expectedSE = [7.5135467061812014, 7.4493463317187079, 14.9626292014899889, 22.6690380374160867]
        for i in 0..<4 {
            #expect(abs(population[i].fit - expectedPopulation[i]) < 1e-4, "\(population[i].fit) vs \(expectedPopulation[i])")
            #expect(abs(conditional[i].fit - expectedConditional[i]) < 1e-4, "\(conditional[i].fit) vs \(expectedConditional[i])")
            #expect(abs(population[i].standardError - expectedSE[i]) < 1e-4 * expectedSE[i], "\(population[i].standardError) vs \(expectedSE[i])")
        }
        #expect(population.map(\.row) == [1, 2, 3, 4])
    }

    @Test func trainingPredictionsAreTheFittedValues() throws {
        let (saved, fit, options, data) = try Self.sleepFit()
        let predicted = try Predictor(saved).predict(data, options: options)
        #expect(predicted.count == fit.fitted.count)
        #expect(zip(predicted.map(\.fit), fit.fitted).map { abs($0 - $1) }.max() ?? 1 < 1e-9)
    }

    @Test func predictionIntervalsWidenWithTheEffects() throws {
        let (saved, _, options, _) = try Self.sleepFit()
        let predictions = try Predictor(saved).predict(try Self.newSleepData(), options: options, newLevels: .zero, interval: 0.95)
        for p in predictions {
            let lower = try #require(p.lower), upper = try #require(p.upper)
            // At least σ̂ ≈ 25.6 on each side times 1.96, more than the fixed part alone.
            #expect(lower < p.fit - 1.96 * saved.sigma! && upper > p.fit + 1.96 * saved.sigma!)
            #expect(abs((upper - p.fit) - (p.fit - lower)) < 1e-9)
        }
        // The new subject (row 3) has the whole between-subject variance: the widest at Days 9.
        #expect(predictions[2].upper! - predictions[2].lower! > predictions[1].upper! - predictions[1].lower!)
    }

    @Test func newLevelsAndMissingColumnsAreErrors() throws {
        let (saved, _, options, _) = try Self.sleepFit()
        #expect(throws: PredictionError.newLevel(group: "Subject", level: "999", row: 3, suggestion: "309")) {
            _ = try Predictor(saved).predict(try Self.newSleepData(), options: options)
        }
        let noDays = try DataFrame([("Day", .numeric(NumericColumn([1]))), ("Subject", .numeric(NumericColumn([308])))])
        #expect {
            _ = try Predictor(saved).predict(noDays, options: options)
        } throws: { error in
            String(describing: error).contains("no column named 'Days'; did you mean 'Day'?")
        }
        #expect(throws: PredictionError.self) { _ = try PredictableFit.decode(Data("{\"formula\": \"y ~ x\"}".utf8)) }
    }

    /// glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), cbpp, binomial) with PIRLS
    /// converged tightly (tolPwrss = 1e-12); the two fits' β differ by about 1e-5.
    @Test func generalizedPredictionsMatchLme4() throws {
        let formula = "cbind(incidence, size - incidence) ~ period + (1 | herd)"
        var csv = CSVOptions()
        csv.factorColumns = ["period"]
        let data = try CSVReader.read(path: "Examples/cbpp.csv", options: csv)
        let design = try ModelDesign(formula: formula, data: data)
        let fit = try GeneralizedLinearMixedModel(design: design, family: BinomialFamily()).fit()
        var report = GeneralizedFitReport(fit)
        report.model = Self.source(design, formula: formula)
        var options = DesignOptions()
        options.transformations = design.transformations
        let predictor = Predictor(try Self.saved(report))

        let training = try predictor.predict(data, options: options, responseScale: true)
        #expect(zip(training.map(\.fit), fit.fitted).map { abs($0 - $1) }.max() ?? 1 < 1e-9)

        let newData = try DataFrame([
            ("period", .categorical(CategoricalColumn(labels: ["1", "4", "2"]))),
            ("herd", .categorical(CategoricalColumn(labels: ["1", "15", "99"]))),
        ])
        let link = try predictor.predict(newData, options: options, newLevels: .zero)
        let response = try predictor.predict(newData, options: options, newLevels: .zero, responseScale: true)
        let expectedLink = [-0.8085113787806073, -3.5093320119431293, -2.3908479240110694]
        let expectedResponse = [0.30820780254084462, 0.02904786990667290, 0.08387325566762030]
        for i in 0..<3 {
            #expect(abs(link[i].fit - expectedLink[i]) < 5e-5, "\(link[i].fit) vs \(expectedLink[i])")
            #expect(abs(response[i].fit - expectedResponse[i]) < 1e-5, "\(response[i].fit) vs \(expectedResponse[i])")
        }
        let unseen = try DataFrame([("period", .categorical(CategoricalColumn(labels: ["5"]))), ("herd", .categorical(CategoricalColumn(labels: ["1"])))])
        #expect {
            _ = try predictor.predict(unseen, options: options)
        } throws: { error in
            String(describing: error).contains("'period' has the level '5', which the fit did not see")
        }
    }
}

/// `marginal fit --json -o` then `marginal predict` end to end.
@Suite struct FormulaPredictCommandLineTests {
    @Test func predictsFromASavedFit() throws {
        let newData = try CommandLineTests.temporaryFile("Days,Subject\n0,308\n2.5,309\n9,999\n12,372\n", name: "new.csv")
        let fitFile = newData.deletingLastPathComponent().appendingPathComponent("fit.json")
        let out = newData.deletingLastPathComponent().appendingPathComponent("predictions.csv")
        let fit = try CommandLineTests.marginal([
            "fit", "Examples/sleepstudy.csv", "-f", FormulaPredictionTests.sleepFormula, "--json", "-o", fitFile.path, "--quiet",
        ])
        #expect(fit.status == 0, "\(fit.stderr)")
        let json = try String(contentsOf: fitFile, encoding: .utf8)
        #expect(json.contains("\"poly(Days, 2)\"") && json.contains("\"norm2\""))

        let population = try CommandLineTests.marginal(["predict", fitFile.path, newData.path, "--re-form", "~0", "-o", out.path])
        #expect(population.status == 0, "\(population.stderr)")
        let lines = try String(contentsOf: out, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "row,fit,se")
        let first = try #require(Double(lines[1].split(separator: ",")[1]))
        #expect(abs(first - 255.44937277777746) < 1e-4)

        let refused = try CommandLineTests.marginal(["predict", fitFile.path, newData.path])
        #expect(refused.status != 0 && refused.stderr.contains("'Subject' has the level '999' in data row 3"), "\(refused.stderr)")
        let allowed = try CommandLineTests.marginal(["predict", fitFile.path, newData.path, "--allow-new-levels", "--interval", "prediction", "--json"])
        #expect(allowed.status == 0 && allowed.stdout.contains("\"lower\""), "\(allowed.stderr)")
        let notAFit = try CommandLineTests.marginal(["predict", newData.path, newData.path])
        #expect(notAFit.status != 0 && notAFit.stderr.contains("is not a fit saved by `marginal fit --json`"), "\(notAFit.stderr)")
    }

    /// `fit --predict`: the predictions `marginal predict` makes from the saved fit (lme4's
    /// `predict(fit, newdata, re.form = NA)` and with allow.new.levels), after the summary or in the JSON.
    @Test func fitPredictsAfterTheFit() throws {
        let newData = try CommandLineTests.temporaryFile("Days,Subject\n0,308\n2.5,309\n9,999\n12,372\n", name: "new.csv")
        let fit = ["fit", "Examples/sleepstudy.csv", "-f", FormulaPredictionTests.sleepFormula, "--quiet", "--predict", newData.path]
        let json = try CommandLineTests.marginal(fit + ["--re-form", "~0", "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let predictions = try #require(object["predictions"] as? [[String: Any]])
        let expected = [255.44937277777746, 276.14097485584978, 349.65494641414074, 393.18960808080732]
        #expect(predictions.count == 4 && object["fixef"] != nil)
        for (prediction, value) in zip(predictions, expected) {
            #expect(abs(try #require(prediction["fit"] as? Double) - value) < 1e-4)
        }
        let text = try CommandLineTests.marginal(fit + ["--allow-new-levels"])
        #expect(text.status == 0 && text.stdout.contains("Predictions for \(newData.path):\nrow,fit,se\n1,257.66"), "\(text.stdout)")
        // An unseen level is an error, and the output file is not written; prediction options need --predict.
        let out = newData.deletingLastPathComponent().appendingPathComponent("out.txt")
        let refused = try CommandLineTests.marginal(fit + ["-o", out.path])
        #expect(refused.status != 0 && refused.stderr.contains("'999'") && !FileManager.default.fileExists(atPath: out.path))
        let misplaced = try CommandLineTests.marginal(["fit", "Examples/sleepstudy.csv", "-f", "Reaction ~ Days + (1 | Subject)", "--re-form", "~0"])
        #expect(misplaced.status != 0 && misplaced.stderr.contains("give --predict NEWDATA.csv"))
    }

    /// --ordered: polynomial contrasts, as R's default for an ordered factor.
    @Test func orderedColumnsGetPolynomialContrasts() throws {
        let data = try CommandLineTests.temporaryFile(
            "y,dose,g\n" + (0..<24).map { "\(Double($0 % 7) + Double($0 % 3)),\(["low", "mid", "high"][$0 % 3]),\($0 % 4)" }.joined(separator: "\n") + "\n")
        let run = try CommandLineTests.marginal([
            "fit", data.path, "-f", "y ~ dose + (1 | g)", "--levels", "dose=low,mid,high", "--ordered", "dose", "--json",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("\"dose.L\"") && run.stdout.contains("\"dose.Q\""))
    }
}
