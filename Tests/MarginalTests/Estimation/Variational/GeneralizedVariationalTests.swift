import Foundation
import Testing
@testable import Marginal

/// Mean-field ADVI on a generalized model (`vi`,
/// ``GeneralizedLinearMixedModel/fitMeanFieldVI(options:priors:summaryDraws:)``).
@Suite struct GeneralizedVariationalTests {
    /// The long Stan run of cbpp's posterior (Fixtures/reference/bayes/cbpp_stan.json, the
    /// same model and priors; see ``GeneralizedStanReferenceTests``): each global's mean and SD.
    static func stan() throws -> [String: (mean: Double, sd: Double)] {
        let url = URL(fileURLWithPath: "Tests/MarginalTests/Fixtures/reference/bayes/cbpp_stan.json")
        let reference = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let parameters = try #require(reference["parameters"] as? [[String: Any]])
        var result: [String: (Double, Double)] = [:]
        for parameter in parameters {
            result[try #require(parameter["name"] as? String)] = (try #require(parameter["mean"] as? Double), try #require(parameter["sd"] as? Double))
        }
        return result
    }

    /// The means under q of cbpp's globals, by name.
    static func means(_ fit: VariationalFit) -> [String: Double] {
        Dictionary(uniqueKeysWithValues: fit.estimates.namedValues.map { ($0.name, $0.value) })
    }

    /// Means under q within 0.2 posterior SDs of Stan's posterior means, for the default target
    /// (every effect in q, partially centred) and for the target with herd integrated out by
    /// quadrature, which agree with each other within 0.2 SDs too. Measured over seeds 1–3: at
    /// most 0.12 SDs from Stan (partial) and 0.13 (quadrature); Stan's MCSE is below 0.01 SDs.
    /// Mean-field's bias on cbpp is small because partial centring leaves the effects nearly
    /// uncorrelated with the globals; 0.2 SDs leaves room for ADVI's stochastic noise.
    @Test func cbppMeansNearStan() throws {
        let model = try GeneralizedReferenceTests.cbppModel()
        let stan = try Self.stan()
        let partial = try model.fitMeanFieldVI(options: ADVIOptions(seed: 1))
        let quadrature = try model.fitMeanFieldVI(integrating: "herd", options: ADVIOptions(seed: 1), priors: [], summaryDraws: 1000)
        #expect(partial.target == .partiallyCentered && partial.advi.converged)
        #expect(partial.parameterNames.count == 5 + 15 && quadrature.parameterNames.count == 5)
        let (a, b) = (Self.means(partial), Self.means(quadrature))
        #expect(Set(a.keys) == Set(stan.keys))
        for (name, reference) in stan {
            let (p, q) = (try #require(a[name]), try #require(b[name]))
            #expect(abs(p - reference.mean) < 0.2 * reference.sd, "\(name): vi \(p) vs Stan \(reference.mean) ± \(reference.sd)")
            #expect(abs(q - reference.mean) < 0.2 * reference.sd, "\(name): vi (quadrature) \(q) vs Stan \(reference.mean)")
            #expect(abs(p - q) < 0.2 * reference.sd, "\(name): the two targets \(p) vs \(q)")
        }
        // Intervals name the globals without σ, each around its mean.
        #expect(partial.intervals.map(\.name) == partial.estimates.namedValues.map(\.name))
        #expect(partial.intervals.allSatisfy { $0.lower < $0.estimate && $0.estimate < $0.upper })
    }

    /// ADVI raised the ELBO: the fitted q beats the start (the Laplace fit with the curvature's
    /// SDs) and q with its SDs scaled by 0.7 or 1.4 or its means moved by half an SD, all
    /// estimated with one set of 2,000 common draws (so the comparisons are not noise).
    @Test func elboIncreases() throws {
        let model = try GeneralizedReferenceTests.cbppModel()
        let fit = try model.fitMeanFieldVI(options: ADVIOptions(seed: 4))
        var density = try GeneralizedMixedDensity(
            model: model, integrating: nil, points: 1, priors: GeneralizedPriors(design: model.design, blocks: model.blocks), pilot: try model.fit())
        var random = RandomSource(seed: 8)
        let noise = (0..<2000).map { _ in (0..<density.dimension).map { _ in random.normal() } }
        let q = fit.advi.approximation
        let best = ADVI.elbo(of: q, density: &density, noise: noise)
        let mean = GeneralizedPriors(design: model.design, blocks: model.blocks).coordinates(of: try model.fit(), model: model)
            + [Double](repeating: 0, count: 15)
        let start = MeanFieldGaussian(mean: mean, logStandardDeviation: ADVI.curvatureLogStandardDeviations(density: &density, at: mean))
        #expect(best > ADVI.elbo(of: start, density: &density, noise: noise))
        for scale in [0.7, 1.4] {
            let scaled = MeanFieldGaussian(mean: q.mean, logStandardDeviation: q.logStandardDeviation.map { $0 + log(scale) })
            #expect(best > ADVI.elbo(of: scaled, density: &density, noise: noise), "SDs × \(scale)")
        }
        let moved = MeanFieldGaussian(mean: zip(q.mean, q.standardDeviation).map { $0 + 0.5 * $1 }, logStandardDeviation: q.logStandardDeviation)
        #expect(best > ADVI.elbo(of: moved, density: &density, noise: noise))
        #expect(try #require(fit.advi.trace.last).elbo == fit.advi.elbo)
    }

    /// `compare`'s rows for a generalized model: the methods in order, vi's row from the fit.
    @Test func compareOffersTheNewRows() throws {
        let model = try GeneralizedReferenceTests.cbppModel()
        #expect(model.estimationMethods == [.ml, .pql, .map, .mapNonCentered, .vi, .nuts, .nutsLaplace])
        let row = try model.estimate(.vi, settings: ComparisonSettings(seed: 1))
        let fit = try model.fitMeanFieldVI(options: ADVIOptions(seed: 1))
        #expect(row.estimates?.beta == fit.estimates.beta && row.estimates?.sigma == nil)
        #expect(row.objective == fit.advi.elbo && !row.objectiveTrace.isEmpty)
        let map = try model.estimate(.mapNonCentered, settings: ComparisonSettings())
        #expect(map.gradientFlow != nil && map.estimates?.sigma == nil && map.warnings.contains { $0.contains("no maximum") })
    }
}
