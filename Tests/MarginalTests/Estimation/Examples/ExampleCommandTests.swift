import Foundation
import Testing

/// `marginal example …` end to end.
@Suite struct ExampleCommandTests {
    @Test func neymanScottJSONHasTheIssueKeys() throws {
        let run = try CommandLineTests.marginal(["example", "neyman-scott", "--pairs", "2000", "--theta", "2", "--seed", "3", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        for key in ["truth", "jointMLE", "marginalMLE", "em", "emIterations"] { #expect(json[key] != nil, "missing \(key)") }
        let joint = try #require(json["jointMLE"] as? Double), marginal = try #require(json["marginalMLE"] as? Double)
        #expect(abs(2 * joint - marginal) < 1e-12 * marginal)
        #expect(json["truth"] as? Double == 2)
    }

    @Test func neymanScottTextNamesTheEstimators() throws {
        let run = try CommandLineTests.marginal(["example", "neyman-scott", "--pairs", "1000"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("joint MLE") && run.stdout.contains("marginal MLE") && run.stdout.contains("EM"))
    }

    @Test func priorVarianceJSONAndText() throws {
        let json = try CommandLineTests.marginal(["example", "prior-variance", "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        for key in ["stationaryPoints", "path", "empiricalBayes", "crossValidation", "wHat"] { #expect(object[key] != nil, "missing \(key)") }
        let text = try CommandLineTests.marginal(["example", "prior-variance"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("saddle") && text.stdout.contains("no maximum"))
    }

    @Test func badOptionsGoToStderrWithAFailingStatus() throws {
        let run = try CommandLineTests.marginal(["example", "neyman-scott", "--pairs", "0"])
        #expect(run.status != 0)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains("--pairs"))
        let unknown = try CommandLineTests.marginal(["example", "no-such-example"])
        #expect(unknown.status != 0 && unknown.stdout.isEmpty)
    }
}

/// `marginal example prior-mean` end to end (small, without NUTS), and its data for `marginal compare`.
@Suite struct PriorMeanCommandTests {
    @Test func jsonTextAndData() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("marginal-prior-mean-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let data = directory.appendingPathComponent("prior-mean.csv").path
        let arguments = ["example", "prior-mean", "--groups", "60", "--covariates", "4", "--chains", "0"]
        let json = try CommandLineTests.marginal(arguments + ["--json", "--write-data", data])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        for key in ["truth", "formula", "fits", "groups", "perGroup"] { #expect(object[key] != nil, "missing \(key)") }
        let fits = try #require(object["fits"] as? [[String: Any]])
        #expect(fits.count == 6)
        #expect(fits.allSatisfy { $0["slope"] is Double })
        let text = try CommandLineTests.marginal(arguments)
        #expect(text.status == 0 && text.stdout.contains("slope") && text.stdout.contains("Gradient flow"))
        // The written data runs through compare with the printed formula.
        let formula = try #require(object["formula"] as? String)
        let compare = try CommandLineTests.marginal(["compare", data, "-f", formula, "--methods", "ml,map"])
        #expect(compare.status == 0, "\(compare.stderr)")
        #expect(compare.stdout.contains("b[w4]"))
    }

    @Test func badOptionIsAUsageError() throws {
        let run = try CommandLineTests.marginal(["example", "prior-mean", "--groups", "2"])
        #expect(run.status != 0 && run.stderr.contains("groups"))
    }
}
