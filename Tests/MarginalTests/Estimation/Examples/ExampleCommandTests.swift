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

/// `marginal example prior-variance --write-data` and `marginal compare` on that file: the
/// one-level grouping factor runs with one model warning, and compare's ML σ_w² is the
/// empirical-Bayes maximizer with the noise estimated, computed here from the CSV by hand.
@Suite struct PriorVarianceCommandTests {
    @Test func writtenDataRunThroughCompare() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("marginal-prior-variance-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("prior-variance.csv").path
        let example = try CommandLineTests.marginal(["example", "prior-variance", "--seed", "4", "--json", "--write-data", path])
        #expect(example.status == 0, "\(example.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(example.stdout.utf8)) as? [String: Any])
        let empiricalBayes = try #require(object["empiricalBayes"] as? [String: Any])
        let printed = try #require((empiricalBayes["noiseEstimated"] as? [String: Any])?["sigma2"] as? Double)

        // The CSV by hand: header y,x,g, 20 rows, g one level.
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        #expect(lines.first == ["y", "x", "g"])
        let rows = lines.dropFirst()
        #expect(rows.count == 20 && Set(rows.map { $0[2] }).count == 1)
        let y = rows.compactMap { Double($0[0]) }, x = rows.compactMap { Double($0[1]) }
        let hand = LinearMixedModelSingleLevelTests.handComputed(x: x, y: y)
        #expect(hand.sigma2 > 0 && abs(printed - hand.sigma2) < 1e-12 * hand.sigma2)

        let help = try CommandLineTests.marginal(["example", "prior-variance", "--help"])
        #expect(help.stdout.contains("--write-data") && help.stdout.contains("y ~ 0 + (0 + x | g)"))

        let run = try CommandLineTests.marginal(["compare", path, "-f", "y ~ 0 + (0 + x | g)", "--methods", "ml,em,map", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let modelWarnings = try #require(report["warnings"] as? [String])
        #expect(modelWarnings.count == 1 && modelWarnings[0].contains("single level") && modelWarnings[0].contains("lme4 refuses"))
        let methods = try #require(report["methods"] as? [[String: Any]])
        #expect(methods.map { $0["method"] as? String } == ["ml", "em", "map"])
        for method in methods.prefix(2) {
            let sd = try #require(((method["varcomp"] as? [[String: Any]])?.first?["sd"] as? [Double])?.first)
            #expect(abs(sd * sd - hand.sigma2) < 1e-5 * hand.sigma2, "\(method["method"] ?? "?"): \(sd * sd) vs \(hand.sigma2)")
            let sigma = try #require(method["sigma"] as? Double)
            #expect(abs(sigma * sigma - hand.noiseVariance) < 1e-5 * hand.noiseVariance)
            // The model warning is not repeated per method.
            #expect((method["warnings"] as? [String])?.contains { $0.contains("single level") } == false)
        }
        let ml = methods[0]
        #expect(abs((ml["objective"] as? Double ?? 0) - hand.deviance) < 1e-8 * hand.deviance)
        let mapWarnings = try #require(methods[2]["warnings"] as? [String])
        #expect(mapWarnings.contains { $0.contains("joint MAP") && $0.contains("maximum") })

        let text = try CommandLineTests.marginal(["compare", path, "-f", "y ~ 0 + (0 + x | g)", "--methods", "ml"])
        #expect(text.status == 0 && text.stdout.contains("warning: the grouping factor 'g' has a single level") && text.stdout.contains("sd[g][x]"))
    }
}
