import Foundation
import Testing
@testable import Marginal

/// `marginal example aladyn` on a tiny design: the gradient-flow rows show γ's likelihood gradient
/// exactly zero in the centred arm (only the prior moves it) and the reverse in the non-centred
/// one, the marginal method converges, and the JSON has the fields.
@Suite struct AladynExampleTests {
    @Test func reportsTheCentredScreeningAndTheCommonLoss() throws {
        var example = AladynExample(
            dimensions: AladynDimensions(individuals: 80, diseases: 6, ages: 10, signatures: 2, covariates: 3),
            heldOutIndividuals: 30, seeds: [2])
        example.epochs = 20
        example.methods = [.map, .mapNonCentred, .marginal]
        example.lbfgsEvaluations = 300
        let result = try example.run()
        let rows = Dictionary(uniqueKeysWithValues: result.methods.map { ($0.method, $0) })
        let map = try #require(rows["map"]), nc = try #require(rows["map-nc"])
        let gamma = { (row: AladynExample.MethodSummary) in row.gradientFlow.rows.first { $0.block == "gamma" } }
        #expect(try #require(gamma(map)).likelihoodStart == 0 && (try #require(gamma(map))).likelihoodEnd == 0)
        #expect(try #require(gamma(map)).priorStart > 0)
        #expect(try #require(gamma(nc)).likelihoodStart > 0 && (try #require(gamma(nc))).priorStart == 0)
        // The marginal method: its gradient-flow rows are the population blocks (λ is integrated
        // out), and L-BFGS ends far closer to stationary than it starts.
        let marginal = try #require(rows["marginal"])
        #expect(marginal.gradientFlow.rows.map(\.block) == ["epsilon", "psi", "gamma", "kappa"])
        for row in marginal.gradientFlow.rows where row.block != "epsilon" {
            #expect(row.likelihoodEnd < 1e-2 * row.likelihoodStart, "\(row)")
        }
        for row in [map, nc, marginal] {
            #expect(row.loss.isFinite && row.heldOutNLL.isFinite && row.heldOutNLL > 0)
        }
        let json = try JSONOutput.encode(result)
        for key in ["methods", "gammaCorrelation", "gammaSlope", "gammaContrastCorrelation", "gammaContrastSlope", "meanAbsGamma", "loss", "heldOutNLL", "auc", "seconds"] {
            #expect(json.contains("\"\(key)\""), "JSON lacks \(key)")
        }
        #expect(result.text.contains("map-nc"))
    }
}
