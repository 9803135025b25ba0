import Foundation
import Testing

/// The `marginal` executable end to end: output on stdout, errors on stderr with a non-zero
/// status, and no output file left behind by a failure. `swift build --build-tests` (what
/// `make test` runs) builds the executable next to the tests.
@Suite struct CommandLineTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func marginal(_ arguments: [String]) throws -> Run {
        let binary = Bundle.main.bundleURL.appendingPathComponent("marginal")
        let fallback = repository.appendingPathComponent(".build/debug/marginal")
        let executable = FileManager.default.isExecutableFile(atPath: binary.path) ? binary : fallback
        try #require(FileManager.default.isExecutableFile(atPath: executable.path), "build the marginal executable first")
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = repository
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func temporaryFile(_ contents: String, name: String = "data.csv") throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("marginal-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(name)
        try contents.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func fitPrintsJSONThatMatchesLme4() throws {
        let run = try Self.marginal(["fit", "Examples/sleepstudy.csv", "-f", "Reaction ~ 1 + Days + (1 + Days | Subject)", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        for key in ["criterion", "objective", "logLik", "nobs", "fixef", "sigma", "theta", "varcomp", "ranef", "converged", "singular", "evaluations", "seconds"] {
            #expect(json[key] != nil, "missing \(key)")
        }
        #expect(json["criterion"] as? String == "REML")
        let objective = try #require(json["objective"] as? Double)
        #expect(abs(objective - 1743.62827195995) < 1e-6 * 1743.6)
    }

    @Test func fitPrintsAnLme4StyleSummary() throws {
        let run = try Self.marginal(["fit", "Examples/Dyestuff2.csv", "-f", "Yield ~ 1 + (1 | Batch)", "--ml"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("Linear mixed model fit by maximum likelihood"))
        #expect(run.stdout.contains("Random effects:") && run.stdout.contains("Fixed effects:"))
        #expect(run.stdout.contains("singular"))
    }

    @Test func unknownColumnSuggestsTheClosestName() throws {
        let run = try Self.marginal(["fit", "Examples/sleepstudy.csv", "-f", "Reaction ~ Dayz + (1 | Subject)"])
        #expect(run.status != 0)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains("Days"))
    }

    @Test func formulaSyntaxErrorShowsACaret() throws {
        let run = try Self.marginal(["describe", "Examples/sleepstudy.csv", "-f", "Reaction ~ Days + )"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("^"))
    }

    @Test func raggedCSVNamesTheLineAndLeavesNoOutputFile() throws {
        let data = try Self.temporaryFile("y,g\n1,a\n2,b,3\n")
        let output = data.deletingLastPathComponent().appendingPathComponent("out.json")
        let run = try Self.marginal(["fit", data.path, "-f", "y ~ 1 + (1 | g)", "--output", output.path])
        #expect(run.status != 0)
        #expect(run.stderr.contains("line 3"))
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }

    @Test func unidentifiableModelIsAnErrorNotACrash() throws {
        let data = try Self.temporaryFile("y,id\n1,a\n2,b\n4,c\n3,d\n")
        let run = try Self.marginal(["fit", data.path, "-f", "y ~ 1 + (1 | id)"])
        #expect(run.status == 1 || run.status == 64)
        #expect(run.stderr.contains("fewer levels than observations"))
    }
}
