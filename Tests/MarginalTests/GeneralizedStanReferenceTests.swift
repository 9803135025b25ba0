import Foundation
import Testing
@testable import Marginal

/// `marginal sample` on binomial GLMMs against long Stan runs of the same models and priors
/// (Fixtures/reference/bayes/cbpp_stan.json and verbagg_stan.json: brms-style non-centred model,
/// made by make_stan_references.py): each global's posterior mean within 4 combined Monte
/// Carlo standard errors, z = (m − m_Stan)/√(MCSE² + MCSE_Stan²). With 5 parameters a correct
/// sampler exceeds |z| = 4 with probability about 3·10⁻⁴; the seed is fixed.
@Suite struct GeneralizedStanReferenceTests {
    @Test func cbppPosteriorMeansMatchStan() throws {
        try Self.check(reference: "cbpp_stan", arguments: [
            "Examples/cbpp.csv", "-f", "cbind(incidence, size - incidence) ~ period + (1 | herd)", "--factor", "period",
        ])
    }

    /// VerbAgg's two crossed terms, sampled as `--marginalize auto` does (every effect, partially
    /// centred at the Laplace fit) against Stan's non-centred model (8 parameters: |z| > 4 by
    /// chance with probability about 5·10⁻⁴).
    @Test func verbAggPosteriorMeansMatchStan() throws {
        try Self.check(reference: "verbagg_stan", arguments: [
            "Examples/VerbAgg.csv", "-f", "r2 ~ Anger + Gender + btype + situ + (1 | id) + (1 | item)",
        ])
    }

    /// `marginal sample` with `arguments` (data and formula), binomial, 4 × (1,000 + 1,000), against
    /// Fixtures/reference/bayes/`reference`.json.
    static func check(reference: String, arguments: [String]) throws {
        let url = URL(fileURLWithPath: "Tests/MarginalTests/Fixtures/reference/bayes/\(reference).json")
        let stanRun = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let expected = try #require(stanRun["parameters"] as? [[String: Any]])
        let run = try CommandLineTests.marginal(["sample"] + arguments + [
            "--family", "binomial", "--chains", "4", "--warmup", "1000", "--draws", "1000", "--seed", "1", "--json", "--no-recover", "--quiet",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let sample = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let parameters = try #require(sample["parameters"] as? [[String: Any]])
        #expect(parameters.count == expected.count)
        for stan in expected {
            let name = try #require(stan["name"] as? String)
            let mine = try #require(parameters.first { $0["name"] as? String == name }, "\(name)")
            let (m, e) = (try #require(mine["mean"] as? Double), try #require(mine["mcse"] as? Double))
            let (r, f) = (try #require(stan["mean"] as? Double), try #require(stan["mcse"] as? Double))
            let z = (m - r) / (e * e + f * f).squareRoot()
            #expect(abs(z) <= 4, "\(name): \(m) ± \(e) against Stan's \(r) ± \(f), z = \(z)")
        }
    }
}
