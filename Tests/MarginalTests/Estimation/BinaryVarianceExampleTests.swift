import Foundation
import Testing
@testable import Marginal

/// `marginal example binary-variance` at a fixed seed, smaller than its defaults: 150 groups of 5
/// binary outcomes, τ = 1, 20 replicates. The orderings asserted are the documented biases, each
/// far beyond the replicate noise: joint MAP collapses τ (to below 10⁻³); PQL's mean is below
/// Laplace's, and Laplace's below adaptive quadrature's (paired on the same data, their
/// differences are systematic: about −0.03 and −0.06 here); quadrature's mean is within three
/// standard errors (RMSE/√20) of the truth; NUTS's central 90% intervals hold τ in at least 14 of
/// the 20 replicates (a correct sampler does less with probability about 0.2%).
@Suite struct BinaryVarianceExampleTests {
    @Test func strategiesOrderAsDocumented() throws {
        var example = BinaryVarianceExample(groups: 150, perGroup: 5, tau: 1, replicates: 20, seed: 7)
        example.nutsWarmup = 150
        example.nutsDraws = 150
        let result = try example.run()
        func summary(_ method: BinaryVarianceExample.Method) throws -> BinaryVarianceExample.MethodSummary {
            try #require(result.methods.first { $0.method == method.rawValue })
        }
        let (laplace, aghq, pql, map, nuts) = (try summary(.laplace), try summary(.aghq), try summary(.pql), try summary(.map), try summary(.nuts))
        #expect(map.meanEstimate < 1e-3)
        #expect(pql.meanEstimate < laplace.meanEstimate, "PQL \(pql.meanEstimate) vs Laplace \(laplace.meanEstimate)")
        #expect(laplace.meanEstimate < aghq.meanEstimate, "Laplace \(laplace.meanEstimate) vs AGHQ \(aghq.meanEstimate)")
        #expect(abs(aghq.bias) < 3 * aghq.rmse / Double(20).squareRoot(), "AGHQ bias \(aghq.bias)")
        #expect(try #require(nuts.coverage) >= 14.0 / 20.0, "coverage \(nuts.coverage ?? .nan)")
        #expect(result.truth == 1 && result.replicates == 20 && laplace.coverage == nil)
        let json = try JSONOutput.encode(result)
        #expect(json.contains("\"meanEstimate\"") && json.contains("\"coverage\""))
    }

    @Test func badSizesAreRefused() {
        #expect(throws: EstimationError.self) { try BinaryVarianceExample(groups: 1, replicates: 1).run() }
        #expect(throws: EstimationError.self) { try BinaryVarianceExample(tau: -1, replicates: 1).run() }
    }
}
