import Foundation
import Testing
@testable import Marginal

/// Profile intervals of generalized models against lme4 1.1-31's `confint(glmerFit, method =
/// "profile")` on fits with tight tolerances, and Wald intervals against `confint(method = "Wald")`
/// (Fixtures/reference/inference/make_glmm_profile_references.R). lme4 reads its ends off a spline
/// through a grid of ζ; Marginal solves ζ = ±z to 1e-8, and the two agree to 8e-4 (a
/// correlation's end) or better: the bound is the 1e-3.
@Suite struct GeneralizedProfileIntervalsTests {
    struct Reference: Sendable, CustomStringConvertible {
        let label: String
        let arguments: [String]
        let intervals: [(String, Double, Double)]
        var description: String { label }
    }

    static let cbpp = ["Examples/cbpp.csv", "-f", "cbind(incidence, size - incidence) ~ period + (1 | herd)", "--family", "binomial", "--factor", "period"]

    static let references = [
        Reference(label: "cbpp Laplace", arguments: cbpp, intervals: [
            ("sd[herd][(Intercept)]", 0.3460944616, 1.0998819007), ("b[(Intercept)]", -1.9011561078, -0.9477913928),
            ("b[period2]", -1.6166786630, -0.4078405203), ("b[period3]", -1.8009176240, -0.5116103076),
            ("b[period4]", -2.5006007108, -0.8008310434),
        ]),
        Reference(label: "cbpp nAGQ = 9", arguments: cbpp + ["--nagq", "9"], intervals: [
            ("sd[herd][(Intercept)]", 0.3488015516, 1.1112920597), ("b[(Intercept)]", -1.9046829281, -0.9462134732),
            ("b[period2]", -1.6160839246, -0.4066109776), ("b[period3]", -1.8004081916, -0.5104502445),
            ("b[period4]", -2.5001923378, -0.7995922528),
        ]),
        Reference(label: "binary slopes", arguments: ["Examples/binary_slopes.csv", "-f", "y ~ x + (1 + x | g)", "--family", "bernoulli"], intervals: [
            ("sd[g][(Intercept)]", 0.5109362569, 0.9486766610), ("cor[g][(Intercept),x]", -0.3437379563, 0.6130227057),
            ("sd[g][x]", 0.2411485078, 0.6638582349), ("b[(Intercept)]", -0.5407040643, -0.0865832492),
            ("b[x]", 0.4549407256, 0.8329307583),
        ]),
    ]

    @Test(arguments: references)
    func matchesLme4(_ reference: Reference) throws {
        let output = try CommandLineTests.marginal(["fit"] + reference.arguments + ["--confint", "profile", "--json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        let profile = try #require(json["profile"] as? [String: Any])
        let intervals = try #require(profile["intervals"] as? [[String: Any]])
        #expect(intervals.count == reference.intervals.count)
        for (name, lower, upper) in reference.intervals {
            let interval = try #require(intervals.first { $0["name"] as? String == name }, "\(name)")
            let (low, high) = (try #require(interval["lower"] as? Double), try #require(interval["upper"] as? Double))
            #expect(abs(low - lower) < 1e-3, "\(name) lower \(low) vs \(lower)")
            #expect(abs(high - upper) < 1e-3, "\(name) upper \(high) vs \(upper)")
        }
        #expect((profile["notes"] as? [String])?.isEmpty == true)
    }

    /// At each end the deviance with that parameter held and the others re-estimated exceeds the
    /// minimum by z² = 3.8415: checked for β by an independent refit, the model without the
    /// column and with the held value's contribution in the offset.
    @Test func endsAreWhereTheDevianceRisesByZSquared() throws {
        let model = try GeneralizedReferenceTests.cbppModel()
        let fit = try model.fit()
        let table = try model.profileIntervals(fit)
        let interval = try #require(table.intervals.first { $0.name == "b[period2]" })
        var reduced = model.design
        let x = reduced.fixedEffects.matrix
        let j = try #require(reduced.fixedEffects.names.firstIndex(of: "period2"))
        reduced.fixedEffects.names.remove(at: j)
        reduced.fixedEffects.matrix = Matrix(
            rows: x.rows, columns: x.columns - 1,
            elements: (0..<x.columns).filter { $0 != j }.flatMap { column in (0..<x.rows).map { x[$0, column] } })
        let z2 = pow(NormalQuantile.value(0.975), 2)
        for end in [interval.lower, interval.upper] {
            var held = reduced
            held.offset = (0..<x.rows).map { end * x[$0, j] }
            let refit = try GeneralizedLinearMixedModel(design: held, family: BinomialFamily()).fit()
            #expect(abs(refit.objective - fit.objective - z2) < 1e-5, "\(end): \(refit.objective - fit.objective)")
        }
    }

    /// Wald intervals are β̂ ± z SE, lme4's confint(method = "Wald") on sleepstudy's REML fit.
    @Test func waldMatchesLme4() throws {
        let output = try CommandLineTests.marginal(["fit", "Examples/sleepstudy.csv", "-f", "Reaction ~ Days + (Days | Subject)", "--confint", "wald", "--json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        let intervals = try #require((json["wald"] as? [String: Any])?["intervals"] as? [[String: Any]])
        let expected = [("b[(Intercept)]", 238.0291411174, 264.7810685796), ("b[Days]", 7.4375939299, 13.4969779893)]
        #expect(intervals.count == expected.count)
        for ((name, lower, upper), interval) in zip(expected, intervals) {
            #expect(interval["name"] as? String == name)
            #expect(relativeError(try #require(interval["lower"] as? Double), lower) < 1e-5)
            #expect(relativeError(try #require(interval["upper"] as? Double), upper) < 1e-5)
        }
    }
}
