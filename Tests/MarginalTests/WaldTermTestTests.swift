import Foundation
import Testing
@testable import Marginal

/// Wald χ² tests of a generalized model's terms against car 3.1-1's `Anova(m, type = 3)` on glmer
/// fits with PIRLS converged tightly (Fixtures/reference/inference/make_wald_references.R): cbpp's
/// binomial model and an additive Poisson model of the Salamanders counts (two factors, 1 and 6 df).
@Suite struct WaldTermTestTests {
    struct Reference: Sendable, CustomStringConvertible {
        let label: String
        let arguments: [String]
        let terms: [(name: String, chisq: Double, df: Int, p: Double)]
        var description: String { label }
    }

    static let references = [
        Reference(label: "cbpp", arguments: [
            "Examples/cbpp.csv", "-f", "cbind(incidence, size - incidence) ~ period + (1 | herd)", "--family", "binomial", "--factor", "period",
        ], terms: [("(Intercept)", 36.1908149747, 1, 1.789118176e-09), ("period", 24.9482116192, 3, 1.583029695e-05)]),
        Reference(label: "Salamanders", arguments: [
            "Examples/Salamanders.csv", "-f", "count ~ mined + spp + (1 | site)", "--family", "poisson",
        ], terms: [("(Intercept)", 53.3157918202, 1, 2.840141708e-13), ("mined", 65.2816060876, 1, 6.492451828e-16),
                   ("spp", 200.8958313372, 6, 1.223271801e-40)]),
    ]

    /// `marginal fit --json -o` then `marginal anova FIT.json`: the table of car's Anova.
    @Test(arguments: references)
    func matchesCar(_ reference: Reference) throws {
        let folder = try CommandLineTests.temporaryFile("", name: "unused.csv").deletingLastPathComponent()
        let path = folder.appendingPathComponent("fit.json").path
        let fit = try CommandLineTests.marginal(["fit"] + reference.arguments + ["--json", "-o", path, "--quiet"])
        #expect(fit.status == 0, "\(fit.stderr)")
        let run = try CommandLineTests.marginal(["anova", path, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(json["heading"] as? String == "Analysis of Deviance Table (Type III Wald chisquare tests)")
        let terms = try #require(json["terms"] as? [[String: Any]])
        #expect(terms.map { $0["term"] as? String } == reference.terms.map(\.name))
        for (term, expected) in zip(terms, reference.terms) {
            #expect(term["df"] as? Int == expected.df)
            let chisq = try #require(term["chisq"] as? Double), p = try #require(term["pValue"] as? Double)
            #expect(relativeError(chisq, expected.chisq) < 1e-4, "\(expected.name) χ² \(chisq) vs \(expected.chisq)")
            // In the far tail d log p ≈ −(χ²/2) dχ²/χ²: χ² within 1e-4 moves log p by up to χ²/2 · 1e-4.
            #expect(abs(log(p) - log(expected.p)) < max(1e-4, expected.chisq / 2 * 1e-4), "\(expected.name) p \(p) vs \(expected.p)")
        }
        let text = try CommandLineTests.marginal(["anova", path])
        #expect(text.stdout.contains("Response: \(reference.arguments[2].split(separator: "~")[0].trimmingCharacters(in: .whitespaces))\n"), "\(text.stdout)")
    }

    /// χ² = bᵀV⁻¹b per term from β̂, its covariance and R's assign; a singular block gives no table.
    @Test func formsTheQuadraticForms() throws {
        let table = try #require(WaldTermTestTable(
            response: "y", beta: [1, 2, 3], covariance: [[1, 0, 0], [0, 2, 1], [0, 1, 2]], terms: ["f"], assign: [0, 1, 1]))
        #expect(table.rows.map(\.term) == ["(Intercept)", "f"] && table.rows.map(\.df) == [1, 2])
        // [2 3] [[2 1] [1 2]]⁻¹ [2 3]ᵀ = (2·4 − 2·2·3 + 2·9)/3 = 14/3.
        #expect(abs(table.rows[1].chisq - 14.0 / 3) < 1e-12 && abs(table.rows[0].chisq - 1) < 1e-12)
        #expect(WaldTermTestTable(response: "y", beta: [1, 2], covariance: [[1, 0], [0, 0]], terms: ["x"], assign: [0, 1]) == nil)
    }
}
