import Foundation
@testable import Marginal

/// Models of the lme4 reference fits, read as the pipeline tests read them (CSV reader, the
/// reference's formula and factor level orders).
enum EMTestSupport {
    static func model(_ name: String) throws -> (model: LinearMixedModel, reference: ReferenceFit) {
        let reference = try ReferenceFit.load(name)
        let file = URL(fileURLWithPath: reference.data_csv).lastPathComponent
        var options = CSVOptions()
        options.levelOrders = try ReferenceSchema.levelOrders(dataset: reference.dataset)
        let data = try CSVReader.read(path: FormulaTestData.examplesDirectory.appendingPathComponent(file).path, options: options)
        return (try LinearMixedModel(formula: reference.formula, data: data), reference)
    }

    static func criterion(_ reference: ReferenceFit) -> FitCriterion { reference.REML ? .reml : .ml }

    /// The largest rise between successive entries of a trace (≤ 0 for a non-increasing trace).
    static func largestRise(_ trace: [Double]) -> Double {
        zip(trace, trace.dropFirst()).map { $1 - $0 }.max() ?? -.infinity
    }

    static func isSlowSingularWarning(_ warning: String) -> Bool {
        warning.hasPrefix("EM converges slowly toward a singular fit")
    }
}
