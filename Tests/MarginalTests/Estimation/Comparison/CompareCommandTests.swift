import Foundation
import Testing
@testable import Marginal

/// `marginal compare` end to end, and the method list.
@Suite struct CompareCommandTests {
    static let dyestuff = ["compare", "Examples/Dyestuff.csv", "-f", "Yield ~ 1 + (1 | Batch)", "--chains", "1", "--warmup", "100", "--draws", "100"]

    /// The JSON has the issue's keys, with `fixef` and `varcomp` shaped as in `marginal fit --json`;
    /// ML matches lme4, MAP has no standard errors, NUTS no objective, and joint MAP's collapse is a warning.
    @Test func jsonShape() throws {
        let run = try CommandLineTests.marginal(Self.dyestuff + ["--methods", "ml,map,map-nc,vi,nuts", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let methods = try #require(object["methods"] as? [[String: Any]])
        #expect(methods.map { $0["method"] as? String } == ["ml", "map", "map-nc", "vi", "nuts"])
        // Without t tests (`--ddf none`), a fit's fixed effects have the keys every method reports.
        let fitRun = try CommandLineTests.marginal(["fit", "Examples/Dyestuff.csv", "-f", "Yield ~ 1 + (1 | Batch)", "--json", "--ml", "--ddf", "none"])
        let fit = try #require(try JSONSerialization.jsonObject(with: Data(fitRun.stdout.utf8)) as? [String: Any])
        let fitFixef = try #require((fit["fixef"] as? [[String: Any]])?.first)
        let fitVarcomp = try #require((fit["varcomp"] as? [[String: Any]])?.first)
        for method in methods {
            for key in ["method", "fixef", "sigma", "varcomp", "objective", "seconds", "warnings"] {
                #expect(method.keys.contains(key), "\(method["method"] ?? "?") lacks \(key)")
            }
            let fixef = try #require((method["fixef"] as? [[String: Any]])?.first)
            #expect(Set(fixef.keys) == Set(fitFixef.keys))
            let varcomp = try #require((method["varcomp"] as? [[String: Any]])?.first)
            #expect(Set(varcomp.keys) == Set(fitVarcomp.keys))
            #expect(varcomp["group"] as? String == "Batch" && varcomp["names"] as? [String] == ["(Intercept)"])
        }
        let ml = methods[0]
        #expect(abs((ml["objective"] as? Double ?? 0) - 327.32706) < 1e-4)
        let mlSD = try #require(((ml["varcomp"] as? [[String: Any]])?.first?["sd"] as? [Double])?.first)
        #expect(abs(mlSD - 37.26) < 0.01)
        let map = methods[1]
        #expect((map["fixef"] as? [[String: Any]])?.first?["stdError"] is NSNull)
        #expect((map["warnings"] as? [String])?.contains { $0.hasPrefix("joint MAP has no maximum here") } == true)
        #expect(methods[4]["objective"] is NSNull)
        let flow = try #require((map["gradientFlow"] as? [String: Any])?["blocks"] as? [[String: Any]])
        #expect(flow.map { $0["name"] as? String } == ["fixed effects", "sigma", "covariance[Batch]", "b[Batch]"])
        #expect(methods[0]["gradientFlow"] is NSNull)
        let posteriorSD = try #require((methods[4]["fixef"] as? [[String: Any]])?.first?["stdError"] as? Double)
        #expect(posteriorSD > 5 && posteriorSD < 60)
    }

    @Test func textTableHasAColumnPerMethod() throws {
        let run = try CommandLineTests.marginal(Self.dyestuff + ["--methods", "reml,em,map"])
        #expect(run.status == 0, "\(run.stderr)")
        let header = try #require(run.stdout.split(separator: "\n").first { $0.contains("reml") && $0.contains("em") })
        #expect(header.split(separator: " ").map(String.init) == ["reml", "em", "map"])
        for row in ["b[(Intercept)]", "sigma", "sd[Batch][(Intercept)]", "objective", "seconds"] {
            #expect(run.stdout.contains(row), "missing row \(row)")
        }
        #expect(run.stdout.contains("warning: joint MAP has no maximum here"))
    }

    @Test func badMethodIsAUsageError() throws {
        let run = try CommandLineTests.marginal(Self.dyestuff + ["--methods", "ml,mcmc"])
        #expect(run.status != 0 && run.stdout.isEmpty)
        #expect(run.stderr.contains("mcmc") && run.stderr.contains("map-nc"))
        let prior = try CommandLineTests.marginal(Self.dyestuff + ["--methods", "map", "--prior", "sigma=normal(0, 1)"])
        #expect(prior.status != 0 && prior.stderr.contains("sigma"))
    }

    @Test func methodList() throws {
        #expect(try EstimationMethod.list("reml, ML,map-nc,reml").get() == [.reml, .ml, .mapNonCentered])
        #expect((try? EstimationMethod.list("").get()) == nil)
        #expect(EstimationMethod.allCases.count == 10)
        #expect(try EstimationMethod.list("pql,ml").get() == [.pql, .ml])
    }

    /// The library call: a failing method does not stop the others.
    @Test func aFailingMethodLeavesTheOthers() throws {
        let model = try AlternativeDensitySupport.model("Dyestuff.csv", dataset: "Dyestuff", formula: "Yield ~ 1 + (1 | Batch)")
        let comparison = model.compare([.ml, .map], settings: ComparisonSettings(priors: ["sd[Batch][(Intercept)]=normal(0, 1)"]))
        #expect(comparison.results[0].estimates != nil)
        #expect(comparison.results[1].estimates == nil)
        #expect(comparison.results[1].warnings.first?.hasPrefix("map failed:") == true)
        let report = ComparisonReport(comparison)
        #expect(report.methods[1].sigma == nil && report.methods[1].fixef.isEmpty)
    }
}
