import Foundation
import Testing

/// An interrupted run leaves no temporary file and no half-written output: every file is written
/// to `.NAME.marginal-PID.partial` next to it and renamed when complete, and SIGINT, SIGTERM or
/// SIGHUP removes the temporary file before the process dies of the signal. Temporary files left
/// by a run that could not clean up (SIGKILL) are named on stderr by the next run.
@Suite struct InterruptedWriteTests {
    static let formula = "Reaction ~ 1 + Days + (1 + Days | Subject)"

    /// A folder with a copy of sleepstudy.csv, an old `out.txt` and an old `draws.csv`.
    static func folder() throws -> (data: URL, output: URL, draws: URL) {
        let data = try OutputSafetyTests.sleepstudyCopy()
        let folder = data.deletingLastPathComponent()
        let output = folder.appendingPathComponent("out.txt"), draws = folder.appendingPathComponent("draws.csv")
        try "old output\n".write(to: output, atomically: false, encoding: .utf8)
        try "old,draws\n1,2\n".write(to: draws, atomically: false, encoding: .utf8)
        return (data, output, draws)
    }

    static func executable() throws -> URL {
        let binary = Bundle.main.bundleURL.appendingPathComponent("marginal")
        let fallback = CommandLineTests.repository.appendingPathComponent(".build/debug/marginal")
        let executable = FileManager.default.isExecutableFile(atPath: binary.path) ? binary : fallback
        try #require(FileManager.default.isExecutableFile(atPath: executable.path), "build the marginal executable first")
        return executable
    }

    /// Starts `marginal` without waiting; stdout and stderr are discarded.
    static func launch(_ arguments: [String], environment extra: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        process.currentDirectoryURL = CommandLineTests.repository
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// The names in `folder` that look like temporary files (`.partial` anywhere in the name).
    static func temporaryFiles(in folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains(".partial") }
    }

    /// Waits until `condition` holds, for at most `seconds`.
    static func wait(seconds: Double, until condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(20_000)
        }
        return try condition()
    }

    /// Kills `process` with SIGKILL if it is still running (so a failing test leaves nothing behind).
    static func reap(_ process: Process) {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func signalDuringSamplingKeepsTheOldFiles(_ signalNumber: Int32) throws {
        let (data, output, draws) = try Self.folder()
        let process = try Self.launch(["sample", data.path, "-f", Self.formula, "--chains", "2", "--warmup", "10000000", "--draws", "10",
                                       "--draws-out", draws.path, "-o", output.path, "--quiet"])
        defer { Self.reap(process) }
        usleep(1_500_000)
        #expect(process.isRunning, "the long run ended early")
        let signals = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8))?
            .split(separator: "\n").filter { $0.hasPrefix("Sig") }.joined(separator: " ") ?? ""
        kill(process.processIdentifier, signalNumber)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "\(signals)")
        #expect(process.terminationStatus == signalNumber)
        #expect(try Self.temporaryFiles(in: data.deletingLastPathComponent()).isEmpty)
        #expect(try String(contentsOf: output, encoding: .utf8) == "old output\n")
        #expect(try String(contentsOf: draws, encoding: .utf8) == "old,draws\n1,2\n")
    }

    /// The interruption that matters most: the temporary file is complete and not yet renamed
    /// (held there by the MARGINAL_TEST_HOLD_PARTIAL test hook).
    @Test(arguments: [SIGINT, SIGTERM, SIGHUP])
    func signalWhileWritingRemovesTheTemporaryFile(_ signalNumber: Int32) throws {
        let (data, output, draws) = try Self.folder()
        let folder = data.deletingLastPathComponent()
        let process = try Self.launch(["sample", data.path, "-f", Self.formula, "--chains", "1", "--warmup", "50", "--draws", "20",
                                       "--draws-out", draws.path, "-o", output.path, "--quiet"],
                                      environment: ["MARGINAL_TEST_HOLD_PARTIAL": "30"])
        defer { Self.reap(process) }
        let temporary = ".draws.csv.marginal-\(process.processIdentifier).partial"
        let appeared = try Self.wait(seconds: 60) { try Self.temporaryFiles(in: folder).contains(temporary) }
        let present = try Self.temporaryFiles(in: folder)
        try #require(appeared, "no temporary file \(temporary) appeared: \(present)")
        // The temporary file holds the draws, complete; the target is still the old file.
        let partial = try String(contentsOf: folder.appendingPathComponent(temporary), encoding: .utf8)
        #expect(partial.hasPrefix("chain,") || partial.contains("sigma"), "\(partial.prefix(200))")
        #expect(try String(contentsOf: draws, encoding: .utf8) == "old,draws\n1,2\n")
        kill(process.processIdentifier, signalNumber)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(process.terminationStatus == signalNumber)
        #expect(try Self.temporaryFiles(in: folder).isEmpty)
        #expect(try String(contentsOf: output, encoding: .utf8) == "old output\n")
        #expect(try String(contentsOf: draws, encoding: .utf8) == "old,draws\n1,2\n")
    }

    @Test func completedRunLeavesNoTemporaryFileAndKeepsPermissions() throws {
        let (data, output, draws) = try Self.folder()
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: output.path)
        let run = try CommandLineTests.marginal(["sample", data.path, "-f", Self.formula, "--chains", "1", "--warmup", "50", "--draws", "20",
                                                 "--draws-out", draws.path, "-o", output.path, "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try Self.temporaryFiles(in: data.deletingLastPathComponent()).isEmpty)
        #expect(try String(contentsOf: output, encoding: .utf8).contains("sigma"))
        #expect(try String(contentsOf: draws, encoding: .utf8).split(separator: "\n").count == 21)
        let permissions = try FileManager.default.attributesOfItem(atPath: output.path)[.posixPermissions] as? Int
        #expect(permissions == 0o640)
    }

    /// A name near the 255-byte limit still gets a temporary file (with the name shortened).
    @Test func longFileNameIsWritten() throws {
        let data = try OutputSafetyTests.sleepstudyCopy()
        let folder = data.deletingLastPathComponent()
        let output = folder.appendingPathComponent(String(repeating: "é", count: 100) + String(repeating: "x", count: 50) + ".txt")
        let run = try CommandLineTests.marginal(["fit", data.path, "-f", Self.formula, "-o", output.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try String(contentsOf: output, encoding: .utf8).contains("REML criterion"))
        #expect(try Self.temporaryFiles(in: folder).isEmpty)
    }

    @Test func staleTemporaryFilesAreNamedAndKept() throws {
        let data = try OutputSafetyTests.sleepstudyCopy()
        let folder = data.deletingLastPathComponent()
        let dead = folder.appendingPathComponent(".out.json.marginal-99999999.partial")
        let other = folder.appendingPathComponent(".draws.csv.marginal-99999998.partial")
        let legacy = folder.appendingPathComponent("out.json.partial-99999997")
        // A temporary file whose process is alive (this test's) is another run's, not stale.
        let live = folder.appendingPathComponent(".out.json.marginal-\(getpid()).partial")
        for file in [dead, other, legacy, live] { try "half".write(to: file, atomically: false, encoding: .utf8) }
        let run = try CommandLineTests.marginal(["fit", data.path, "-f", Self.formula, "-o", folder.appendingPathComponent("out.json").path])
        #expect(run.status == 0, "\(run.stderr)")
        for file in [dead, other, legacy] {
            #expect(run.stderr.contains(file.lastPathComponent), "\(file.lastPathComponent) not named: \(run.stderr)")
        }
        #expect(run.stderr.contains("can be removed"))
        #expect(!run.stderr.contains(live.lastPathComponent), "\(run.stderr)")
        // Named, not removed: the user decides.
        for file in [dead, other, legacy, live] { #expect(FileManager.default.fileExists(atPath: file.path)) }
        #expect(try String(contentsOf: folder.appendingPathComponent("out.json"), encoding: .utf8).contains("REML criterion"))
    }

    /// Outputs that cannot be written are refused before the (here endless) sampling starts.
    @Test(arguments: [["--draws-out", "/nonexistent-folder/draws.csv"], ["-o", "/nonexistent-folder/out.txt"], ["-o", "/tmp"], ["--draws-out", "/tmp"]])
    func unwritableOutputIsRefusedBeforeSampling(_ option: [String]) throws {
        let start = Date()
        let run = try CommandLineTests.marginal(["sample", "Examples/sleepstudy.csv", "-f", Self.formula, "--warmup", "10000000", "--quiet"] + option)
        #expect(run.status != 0)
        #expect(run.stderr.contains(option[0]), "\(run.stderr)")
        #expect(Date().timeIntervalSince(start) < 20)
    }

    @Test func simulateChecksItsOutputFirst() throws {
        let run = try CommandLineTests.marginal(["simulate", "grouped", "--rows", "100", "--groups", "10", "-o", "/nonexistent-folder/sim.csv"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("not writable or does not exist"), "\(run.stderr)")
    }
}
