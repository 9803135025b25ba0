import Foundation
import Testing

/// `marginal sample` end to end: JSON with the keys the issue names and values that agree with
/// lme4's estimates, a draws CSV, every strategy, and clear errors for bad options.
@Suite struct SampleCommandTests {
    static let sleepstudy = ["Examples/sleepstudy.csv", "-f", "Reaction ~ 1 + Days + (1 + Days | Subject)"]
    static let short = ["--chains", "2", "--warmup", "200", "--draws", "200", "--seed", "3"]

    static func json(_ run: CommandLineTests.Run) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    }

    @Test func jsonHasTheIssuesKeysAndSensibleValues() throws {
        let run = try CommandLineTests.marginal(["sample"] + Self.sleepstudy + Self.short + ["--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let json = try Self.json(run)
        for key in ["parameters", "divergences", "gradientEvaluations", "seconds", "chains", "draws", "priors"] {
            #expect(json[key] != nil, "missing \(key)")
        }
        let parameters = try #require(json["parameters"] as? [[String: Any]])
        #expect(parameters.map { $0["name"] as? String } == [
            "b[(Intercept)]", "b[Days]", "sigma", "sd[Subject][(Intercept)]", "sd[Subject][Days]", "cor[Subject][(Intercept),Days]",
        ])
        for key in ["mean", "sd", "mcse", "q5", "q50", "q95", "essBulk", "essTail", "rhat"] {
            #expect(parameters.allSatisfy { $0[key] is Double }, "missing \(key)")
        }
        // Posterior means near lme4's REML estimates (251.4, 10.47, σ 25.6): the prior is weak.
        let means = parameters.compactMap { $0["mean"] as? Double }
        #expect(abs(means[0] - 251.4) < 5 && abs(means[1] - 10.47) < 1.5 && abs(means[2] - 25.6) < 2)
        #expect(json["chains"] as? Int == 2 && json["draws"] as? Int == 200)
    }

    @Test(arguments: [
        ["--marginalize", "Subject"], ["--marginalize", "none"], ["--marginalize", "none", "--parameterization", "centered"],
        ["--marginalize", "none", "--parameterization", "partial"], ["--marginalize", "all"],
    ])
    func everyStrategyRuns(_ strategy: [String]) throws {
        let run = try CommandLineTests.marginal(["sample"] + Self.sleepstudy + Self.short + strategy)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("Posterior:") && run.stdout.contains("Random effects of Subject"))
    }

    @Test func knownSDsSampleOnlyFixedEffectsAndSigma() throws {
        let run = try CommandLineTests.marginal([
            "sample", "Examples/Penicillin.csv", "-f", "diameter ~ 1 + (1 | plate) + (1 | sample)", "--fix-sd", "plate=0.85,sample=1.9", "--json",
        ] + Self.short)
        #expect(run.status == 0, "\(run.stderr)")
        let parameters = try #require(try Self.json(run)["parameters"] as? [[String: Any]])
        #expect(parameters.map { $0["name"] as? String } == ["b[(Intercept)]", "sigma"])
    }

    @Test func drawsCSVHasOneRowPerDrawAndTheSamplerColumns() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("marginal-draws-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("draws.csv").path
        let run = try CommandLineTests.marginal(["sample"] + Self.sleepstudy + Self.short + ["--draws-out", path, "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1 + 2 * 200)
        let header = lines[0].split(separator: ",").map(String.init)
        #expect(Array(header.prefix(9)) == ["chain", "draw", "lp__", "accept_stat__", "stepsize__", "treedepth__", "n_leapfrog__", "divergent__", "energy__"])
        // Names with a comma are quoted (RFC 4180).
        #expect(header.contains("sigma") && lines[0].contains("\"r[Subject][308,Days]\""))
    }

    @Test func userPriorsAreUsedAndReported() throws {
        let run = try CommandLineTests.marginal(["sample"] + Self.sleepstudy + Self.short + ["--prior", "sigma=half-normal(5)", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let json = try Self.json(run)
        let priors = try #require(json["priors"] as? [[String: Any]])
        let sigma = try #require(priors.first { $0["name"] as? String == "sigma" })
        #expect(sigma["prior"] as? String == "half-normal(5)" && sigma["source"] as? String == "user")
        // A prior at 5 against a likelihood at 25.6 pulls σ well below the REML estimate.
        let parameters = try #require(json["parameters"] as? [[String: Any]])
        let sigmaMean = try #require(parameters.first { $0["name"] as? String == "sigma" }?["mean"] as? Double)
        #expect(sigmaMean < 24.5)
    }

    @Test(arguments: [
        (["--prior", "sigma=normal(0, 1)"], "sigma is positive"),
        (["--prior", "sd[Subjet][Days]=half-normal(1)"], "did you mean 'sd[Subject][Days]'"),
        (["--prior", "sigma=halfnormel(1)"], "unknown distribution"),
        (["--marginalize", "Subjekt"], "Subject"),
        (["--parameterization", "centered"], "--marginalize none"),
        (["--marginalize", "Subject", "--parameterization", "centered"], "noncentered or partial"),
        (["--marginalize", "none", "--parameterization", "partly"], "centered, noncentered or partial"),
        (["--fix-sd", "Subject=-1"], "positive"),
        (["--metric", "full"], "diagonal or dense"),
        (["--chains", "0"], "chains"),
    ])
    func badOptionsGiveClearErrors(_ options: [String], _ message: String) throws {
        let run = try CommandLineTests.marginal(["sample"] + Self.sleepstudy + Self.short + options)
        #expect(run.status != 0)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains(message), "\(run.stderr)")
    }
}
