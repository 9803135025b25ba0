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
