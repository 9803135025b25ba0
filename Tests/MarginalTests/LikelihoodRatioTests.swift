import Foundation
import Testing
@testable import Marginal

/// Likelihood-ratio tests as lme4's `anova`: the χ² tail against R's `pchisq`, the table against
/// lme4 on sleepstudy, and `marginal anova` on saved fits.
@Suite struct LikelihoodRatioTests {
    /// `pchisq(x, k, lower.tail = FALSE)` in R 4.2.2.
    @Test(arguments: [
        (0.5, 1.0, 0.47950012218695348), (1, 2, 0.60653065971263342), (3.84, 1, 0.050043521248705224),
        (10, 3, 0.018566135463043233), (42.139, 2, 7.0734683321783472e-10), (100, 5, 5.28514836094324e-20),
        (0.01, 4, 0.99998754158864567), (7.5, 7, 0.37873690604821297),
    ])
    func chiSquaredTailMatchesR(_ x: Double, _ k: Double, _ expected: Double) {
        #expect(relativeError(ChiSquared.upperTail(x, degreesOfFreedom: k), expected, floor: 1e-300) < 1e-12)
    }

    @Test func chiSquaredEdges() {
        #expect(ChiSquared.upperTail(0, degreesOfFreedom: 2) == 1)
        #expect(ChiSquared.upperTail(.infinity, degreesOfFreedom: 2) == 0)
        #expect(ChiSquared.upperTail(1, degreesOfFreedom: 0).isNaN)
    }

    /// lme4: anova(lmer(Reaction ~ Days + (1 | Subject)), lmer(Reaction ~ Days + (Days | Subject)))
    /// refits both by ML: AIC 1802.0786430052, 1763.9393444632; BIC 1814.8504704088,
    /// 1783.0970855686; χ² 42.1392985420 on 2 df, p 7.0724e-10.
    @Test func tableMatchesLme4() throws {
        let data = try CSVReader.read(path: "Examples/sleepstudy.csv")
        let fits = try ["Reaction ~ Days + (Days | Subject)", "Reaction ~ Days + (1 | Subject)"].map { formula in
            (formula, try LinearMixedModel(design: ModelDesign(formula: formula, data: data)).fit(criterion: .ml))
        }
        let table = LikelihoodRatioTable(models: fits.map { formula, fit in
            .init(name: formula, formula: formula, parameters: fit.degreesOfFreedom, logLikelihood: fit.logLikelihood, observations: fit.nobs)
        })
        #expect(table.rows.map(\.npar) == [4, 6])
        for (value, expected) in zip(table.rows.map(\.aic) + table.rows.map(\.bic), [1802.0786430052, 1763.9393444632, 1814.8504704088, 1783.0970855686]) {
            #expect(abs(value - expected) < 1e-6, "\(value) vs \(expected)")
        }
        #expect(table.rows[0].chisq == nil && table.rows[0].pValue == nil)
        #expect(abs(try #require(table.rows[1].chisq) - 42.1392985420) < 1e-6 && table.rows[1].df == 2)
        #expect(relativeError(try #require(table.rows[1].pValue), 7.0724125e-10) < 1e-6)
        #expect(table.text(dataName: "sleepstudy").contains("42.139  2  7.072e-10 ***"))
    }

    @Test func commandComparesSavedFits() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("marginal-anova-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func fit(_ file: String, _ formula: String, _ name: String, _ extra: [String] = []) throws -> String {
            let path = directory.appendingPathComponent("\(name).json").path
            let run = try CommandLineTests.marginal(["fit", file, "-f", formula, "--json", "-o", path] + extra)
            #expect(run.status == 0, "\(run.stderr)")
            return path
        }
        let m0 = try fit("Examples/sleepstudy.csv", "Reaction ~ Days + (1 | Subject)", "m0")
        let m1 = try fit("Examples/sleepstudy.csv", "Reaction ~ Days + (Days | Subject)", "m1")
        let m2 = try fit("Examples/sleepstudy.csv", "Reaction ~ 1 + (Days | Subject)", "m2", ["--ml"])
        let run = try CommandLineTests.marginal(["anova", m1, m0])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("m1    6 1763.9") && run.stdout.contains("42.139  2  7.072e-10 ***"), "\(run.stdout)")
        #expect(run.stderr.contains("refitting m1, m0 with ML"))
        // Not nested: m2 lacks the fixed effect Days that m0 has.
        let three = try CommandLineTests.marginal(["anova", m0, m1, m2, "--json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(three.stdout.utf8)) as? [String: Any])
        let rows = try #require(json["models"] as? [[String: Any]])
        #expect(rows.map { $0["name"] as? String } == ["m0", "m2", "m1"])
        #expect(rows[1]["chisq"] == nil && rows[2]["chisq"] != nil)
        #expect((json["notes"] as? [String])?.first?.contains("m0 and m2 are not nested (m0 has fixed effect 'Days'") == true)
        // Different data are refused; so is a data file changed since the fit.
        let other = try fit("Examples/Dyestuff.csv", "Yield ~ 1 + (1 | Batch)", "dyestuff")
        let refused = try CommandLineTests.marginal(["anova", m0, other])
        #expect(refused.status != 0 && refused.stderr.contains("different data") && refused.stdout.isEmpty, "\(refused.stderr)")
        let copy = directory.appendingPathComponent("sleep.csv")
        try FileManager.default.copyItem(atPath: "Examples/sleepstudy.csv", toPath: copy.path)
        let c0 = try fit(copy.path, "Reaction ~ Days + (1 | Subject)", "c0")
        let c1 = try fit(copy.path, "Reaction ~ Days + (Days | Subject)", "c1")
        try (String(contentsOf: copy, encoding: .utf8) + "300,9,308\n").write(to: copy, atomically: true, encoding: .utf8)
        let changed = try CommandLineTests.marginal(["anova", c0, c1])
        #expect(changed.status != 0 && changed.stderr.contains("has changed since the fit"), "\(changed.stderr)")
        // Generalized fits are maximum likelihood already; lme4 (tolPwrss = 1e-12): χ² 25.610063 on 3 df, p 1.1509367e-05.
        let cbpp = ["--family", "binomial", "--factor", "period", "--quiet"]
        let g0 = try fit("Examples/cbpp.csv", "cbind(incidence, size - incidence) ~ 1 + (1 | herd)", "g0", cbpp)
        let g1 = try fit("Examples/cbpp.csv", "cbind(incidence, size - incidence) ~ period + (1 | herd)", "g1", cbpp)
        let generalized = try CommandLineTests.marginal(["anova", g0, g1, "--json"])
        let rowsG = try #require((try JSONSerialization.jsonObject(with: Data(generalized.stdout.utf8)) as? [String: Any])?["models"] as? [[String: Any]])
        #expect(rowsG.map { $0["npar"] as? Int } == [2, 5] && !generalized.stderr.contains("refitting"))
        #expect(abs(try #require(rowsG[1]["chisq"] as? Double) - 25.610063) < 1e-5)
        #expect(relativeError(try #require(rowsG[1]["pValue"] as? Double), 1.1509367e-05) < 1e-6)
        // One fit gets tests of its terms (AnovaTableTests, WaldTermTestTests); --ddf only with one linear fit.
        let one = try CommandLineTests.marginal(["anova", g1, "--ddf", "satterthwaite"])
        #expect(one.status != 0 && one.stderr.contains("Wald χ² tests") && one.stdout.isEmpty, "\(one.stderr)")
        let twoWithDDF = try CommandLineTests.marginal(["anova", m0, m1, "--ddf", "kenward-roger"])
        #expect(twoWithDDF.status != 0 && twoWithDDF.stderr.contains("--ddf applies to the F tests of one fit"))
    }
}
