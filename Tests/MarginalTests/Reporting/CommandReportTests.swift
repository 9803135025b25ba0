import Foundation
import Testing

/// `--report FILE.html` on every command, end to end through the executable on the bundled
/// data: the file is written, holds every chart the command promises, and passes
/// ``ReportStructure/checkCommon(maximumBytes:sourceLocation:)``.
@Suite struct CommandReportTests {
    /// Runs `marginal` with `--report` into a new folder and returns the report's structure.
    static func report(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> ReportStructure {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("marginal-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("report.html").path
        let run = try CommandLineTests.marginal(arguments + ["--report", path])
        try #require(run.status == 0, "\(run.stderr)", sourceLocation: sourceLocation)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0 != "report.html" }
        #expect(leftovers.isEmpty, "temporary files left: \(leftovers)", sourceLocation: sourceLocation)
        return try ReportStructure(html: String(contentsOfFile: path, encoding: .utf8))
    }

    @Test func linearFitReport() throws {
        let report = try Self.report(["fit", "Examples/sleepstudy.csv", "-f", "Reaction ~ 1 + Days + (1 + Days | Subject)"])
        report.checkCommon()
        report.expectCharts([
            "residuals-fitted": "scatter", "qq-residuals": "qq", "caterpillar-Subject-Intercept": "caterpillar",
            "caterpillar-Subject-Days": "caterpillar", "optimizer-trace": "trace",
        ])
        #expect(report.html.contains("Linear mixed model fit by REML"))
        #expect(report.html.contains("The optimizer converged"))
    }

    @Test func singularFitSaysSoInWords() throws {
        let report = try Self.report(["fit", "Examples/Dyestuff2.csv", "-f", "Yield ~ 1 + (1 | Batch)", "--ml"])
        report.checkCommon()
        #expect(report.html.contains("The fit is singular"))
    }

    @Test func generalizedFitReport() throws {
        let report = try Self.report(["fit", "Examples/cbpp.csv", "-f", "cbind(incidence, size - incidence) ~ period + (1 | herd)",
                                      "--family", "binomial", "--factor", "period"])
        report.checkCommon()
        report.expectCharts(["residuals-fitted": "scatter", "qq-residuals": "qq", "caterpillar-herd-Intercept": "caterpillar", "optimizer-trace": "trace"])
        #expect(report.html.contains("Laplace deviance"))
    }

    @Test func sampleReport() throws {
        let report = try Self.report(["sample", "Examples/sleepstudy.csv", "-f", "Reaction ~ 1 + Days + (1 + Days | Subject)",
                                      "--chains", "2", "--warmup", "150", "--draws", "150"])
        report.checkCommon()
        var expected = ["pairs": "pairs", "energy": "density", "step-size": "trace", "tree-depth": "histogram",
                        "caterpillar-Subject-Intercept": "caterpillar", "caterpillar-Subject-Days": "caterpillar"]
        for parameter in ["b-Intercept", "b-Days", "sigma", "sd-Subject-Intercept", "sd-Subject-Days", "cor-Subject-Intercept-Days"] {
            expected["trace-" + parameter] = "trace"
            expected["rank-" + parameter] = "histogram"
            expected["density-" + parameter] = "density"
        }
        report.expectCharts(expected)
        #expect(report.html.contains("<table id=\"diagnostics\">"))
        // 150 draws per chain: fewer than 100 effective draws per chain somewhere is likely but
        // not certain; the flag's markup is checked by the unit test of the table.
        #expect(report.html.contains("warmup"))
        // Each trace holds the chain's 150 warmup iterations, then its 150 draws, the warmup shaded.
        #expect(report.html.contains("iteration (warmup, then draws)"))
        #expect(report.html.contains("warmup (shaded)"))
    }

    @Test func compareReport() throws {
        let report = try Self.report(["compare", "Examples/Dyestuff.csv", "-f", "Yield ~ 1 + (1 | Batch)", "--methods", "reml,ml,em,map,vi,nuts",
                                      "--chains", "2", "--warmup", "100", "--draws", "100"])
        report.checkCommon()
        report.expectCharts([
            "forest-b-Intercept": "forest", "forest-sigma": "forest", "forest-sd-Batch-Intercept": "forest",
            "gradient-flow-map": "bar", "objective-reml": "trace", "objective-em": "trace", "objective-vi": "trace",
        ])
        // NUTS's posterior interval on sigma: a tooltip with an interval in the nuts row.
        #expect(report.html.range(of: #"<title>nuts: [-0-9.e]+ \[[-0-9.e]+, [-0-9.e]+\]"#, options: .regularExpression) != nil)
    }

    @Test func exampleReports() throws {
        let neymanScott = try Self.report(["example", "neyman-scott", "--pairs", "2000"])
        neymanScott.checkCommon()
        neymanScott.expectCharts(["neyman-scott-sweep": "trace", "neyman-scott-em": "trace"])
        let priorVariance = try Self.report(["example", "prior-variance"])
        priorVariance.checkCommon()
        priorVariance.expectCharts(["prior-variance-joint": "heatmap", "prior-variance-path": "trace"])
        #expect(priorVariance.html.contains("saddle") && priorVariance.html.contains("empirical Bayes"))
        let priorMean = try Self.report(["example", "prior-mean", "--groups", "40", "--chains", "1", "--warmup", "100", "--draws", "100"])
        priorMean.checkCommon()
        priorMean.expectCharts(["prior-mean-gamma": "scatter", "prior-mean-slopes": "bar"])
        #expect(priorMean.charts.contains { $0.id.hasPrefix("gradient-flow-joint-MAP") })
    }

    @Test func aReportThatNamesTheInputOrAnotherOutputIsRefusedBeforeWork() throws {
        let run = try CommandLineTests.marginal(["fit", "Examples/sleepstudy.csv", "-f", "Reaction ~ Days + (1 | Subject)", "--report", "Examples/sleepstudy.csv"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("--report"))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("marginal-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let same = folder.appendingPathComponent("out.html").path
        let clash = try CommandLineTests.marginal(["example", "prior-variance", "--output", same, "--report", same])
        #expect(clash.status != 0)
        #expect(clash.stderr.contains("--report and --output name the same file"))
        #expect(!FileManager.default.fileExists(atPath: same))
    }
}
