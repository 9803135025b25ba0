import Foundation
import Testing
@testable import Marginal

/// Prior weights and offsets against lme4 1.1-31 (Fixtures/reference/weighted/, written by
/// make_weighted_references.R with bobyqa at rhoend 1e-10): a correlated-slope, a crossed and a
/// nested model, ML and REML, at the brief's tolerances. lme4's criterion includes −Σ log wᵢ.
@Suite struct WeightedReferenceTests {
    static let names = [
        "sleepstudy_weights_ml", "sleepstudy_weights_reml", "sleepstudy_offset_ml", "sleepstudy_offset_reml",
        "penicillin_weights_offset_ml", "penicillin_weights_offset_reml",
        "pastes_weights_offset_ml", "pastes_weights_offset_reml",
    ]

    /// What the reference says was fitted, beyond ``ReferenceFit``.
    struct Call: Decodable {
        let weights: String?
    }

    @Test(arguments: names)
    func matchesLme4(_ name: String) throws {
        let path = "weighted/\(name)"
        let reference = try ReferenceFit.load(path)
        let call = try JSONDecoder().decode(Call.self, from: Data(contentsOf: ReferenceFit.directory.appendingPathComponent("\(path).json")))
        var options = CSVOptions()
        options.levelOrders = try ReferenceSchema.levelOrders(dataset: reference.dataset)
        let csv = ReferenceFit.directory.deletingLastPathComponent().appendingPathComponent("\(reference.dataset).csv")
        let data = try CSVReader.read(path: csv.path, options: options)
        let model = try LinearMixedModel(formula: reference.formula, data: data, options: DesignOptions(weights: call.weights))
        let fit = try model.fit(criterion: reference.REML ? .reml : .ml)
        try expectMatches(fit, reference)
        #expect(fit.objective <= reference.criterion + 1e-9 * abs(reference.criterion), "\(name): \(fit.objective) above lme4's \(reference.criterion)")
    }
}
