import Foundation
import Testing
@testable import Marginal

/// `marginal sample` on a binomial GLMM against a long Stan run of the same model and priors
/// (Fixtures/reference/bayes/cbpp_stan.json: brms-style non-centred model, 4 × (1,000 + 10,000)
/// draws, made by make_stan_references.py): each global's posterior mean within 4 combined Monte
/// Carlo standard errors, z = (m − m_Stan)/√(MCSE² + MCSE_Stan²). With 5 parameters a correct
/// sampler exceeds |z| = 4 with probability about 3·10⁻⁴; the seed is fixed.
@Suite struct GeneralizedStanReferenceTests {
    @Test func cbppPosteriorMeansMatchStan() throws {
        let url = URL(fileURLWithPath: "Tests/MarginalTests/Fixtures/reference/bayes/cbpp_stan.json")
        let reference = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let expected = try #require(reference["parameters"] as? [[String: Any]])
        let run = try CommandLineTests.marginal([
            "sample", "Examples/cbpp.csv", "-f", "cbind(incidence, size - incidence) ~ period + (1 | herd)", "--family", "binomial",
            "--factor", "period", "--chains", "4", "--warmup", "1000", "--draws", "1000", "--seed", "1", "--json", "--no-recover", "--quiet",
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
