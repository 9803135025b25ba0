import Foundation
import Testing
@testable import Marginal

/// Structured terms in the summary and the JSON, as glmmTMB's `VarCorr` shows them.
@Suite struct StructuredOutputTests {
    static let directory = StructuredCovarianceReferenceTests.directory

    @Test func summaryShowsTheCorrelationParameter() throws {
        let ar1 = try StructuredCovarianceReferenceTests.fit(Self.directory + "repeated.csv", "y ~ time + x + ar1(time + 0 | id)", .ml)
        let table = SummaryTables.randomEffects(ar1.varianceComponents, residualSD: ar1.sigma)
        #expect(table.contains("id       time1   1.8022   1.3425 0.631 (ar1)"), "\(table)")
        let ou = try StructuredCovarianceReferenceTests.fit(Self.directory + "ou.csv", "y ~ time + ou(time + 0 | id)", .ml)
        #expect(SummaryTables.randomEffects(ou.varianceComponents, residualSD: ou.sigma).contains("rate 0.436 (ou)"))
        let cs = try StructuredCovarianceReferenceTests.fit(Self.directory + "machines.csv", "score ~ Machine + cs(Machine + 0 | Worker)", .ml)
        let lines = SummaryTables.randomEffects(cs.varianceComponents, residualSD: cs.sigma).split(separator: "\n")
        #expect(lines[1].hasSuffix("3.7482 0.738 (cs)"), "\(lines)")
        #expect(lines[2].hasSuffix("7.6864"))
    }

    @Test func jsonCarriesTheStructure() throws {
        let fit = try StructuredCovarianceReferenceTests.fit(Self.directory + "ou.csv", "y ~ time + exp(time + 0 | id)", .ml)
        let component = FitReport.VarianceComponent(try #require(fit.varianceComponents.first))
        #expect(component.structure == .exp)
        #expect(component.parameters?.map(\.name) == ["range"])
        let json = String(decoding: try JSONEncoder().encode(component), as: UTF8.self)
        #expect(json.contains("\"structure\":\"exp\""))
        let lme4 = try StructuredCovarianceReferenceTests.fit("Examples/sleepstudy.csv", "Reaction ~ Days + (Days | Subject)", .ml)
        let plain = FitReport.VarianceComponent(try #require(lme4.varianceComponents.first))
        #expect(plain.structure == nil && plain.parameters == nil)
        #expect(fit.thetaNames == ["id.exp.sd", "id.exp.log.range"])
    }

    /// `predict` on the fit's own rows gives the fitted values; rows at times the fit has no
    /// effect for are refused rather than predicted without the term.
    @Test func predictionUsesTheFitsTimesOnly() throws {
        let formula = "y ~ time + x + ar1(time + 0 | id)"
        let data = try CSVReader.read(path: Self.directory + "repeated.csv")
        let design = try ModelDesign(formula: formula, data: data)
        let fit = try LinearMixedModel(design: design).fit(criterion: .reml)
        var report = FitReport(fit)
        report.model = FormulaPredictionTests.source(design, formula: formula)
        let predictor = Predictor(try FormulaPredictionTests.saved(report))
        let predicted = try predictor.predict(data, options: DesignOptions())
        #expect(zip(predicted.map(\.fit), fit.fitted).map { abs($0 - $1) }.max() ?? 1 < 1e-9)
        let later = try DataFrame([
            ("id", .categorical(CategoricalColumn(codes: [0, 0], levels: ["s01"]))),
            ("time", .numeric(NumericColumn([7, 8]))), ("x", .numeric(NumericColumn([0, 1])))])
        #expect(throws: PredictionError.newStructuredColumns(group: "id", structure: "ar1")) {
            try predictor.predict(later, options: DesignOptions())
        }
    }
}
