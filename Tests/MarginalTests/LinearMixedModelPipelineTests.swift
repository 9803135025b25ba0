import Foundation
import Testing
@testable import Marginal

/// Every lme4 reference fit, reproduced through the whole pipeline a user runs: the CSV reader,
/// the formula (as written in the reference file) and the fitter. The `_defaultctrl` files record
/// lme4 stopping short of the optimum with its default tolerances and are not targets.
@Suite struct LinearMixedModelPipelineTests {
    static let references = ((try? ReferenceFit.all()) ?? []).filter { !$0.contains("defaultctrl") }

    @Test func allReferencesArePresent() {
        #expect(Self.references.count == 24)
    }

    @Test(arguments: references)
    func matchesLme4ThroughFormulaAndCSV(_ name: String) throws {
        let reference = try ReferenceFit.load(name)
        let file = URL(fileURLWithPath: reference.data_csv).lastPathComponent
        var options = CSVOptions()
        options.levelOrders = try ReferenceSchema.levelOrders(dataset: reference.dataset)
        let data = try CSVReader.read(path: FormulaTestData.examplesDirectory.appendingPathComponent(file).path, options: options)
        let design = try ModelDesign(formula: reference.formula, data: data)
        #expect(design.nobs == reference.nobs)
        let fit = try LinearMixedModel(design: design).fit(criterion: reference.REML ? .reml : .ml)
        #expect(fit.thetaNames.count == reference.theta_names.count)
        try expectMatches(fit, reference)
    }
}
