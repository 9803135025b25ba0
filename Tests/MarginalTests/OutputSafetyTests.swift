import Foundation
import Testing

/// The command line never loses a file: an output that is the input data or another output is
/// refused before any work, a symbolic link is written through to its target (the link stays), a
/// FIFO is written to rather than replaced, and a closed standard output is an error, not a crash.
@Suite struct OutputSafetyTests {
    static let formula = "Reaction ~ 1 + Days + (1 + Days | Subject)"

    static func sleepstudyCopy() throws -> URL {
        let text = try String(contentsOf: CommandLineTests.repository.appendingPathComponent("Examples/sleepstudy.csv"), encoding: .utf8)
        return try CommandLineTests.temporaryFile(text)
    }

    @Test func outputThatIsTheInputIsRefused() throws {
        let data = try Self.sleepstudyCopy()
        let before = try Data(contentsOf: data)
        for command in [["fit"], ["compare", "--methods", "ml"], ["sample", "--draws", "10", "--warmup", "10"]] {
            let run = try CommandLineTests.marginal(command + [data.path, "-f", Self.formula, "-o", data.path])
            #expect(run.status != 0, "\(command)")
            #expect(run.stderr.contains("input data file"), "\(command): \(run.stderr)")
        }
        // Through another spelling of the same file, too.
        let other = data.deletingLastPathComponent().appendingPathComponent("./data.csv").path
        let run = try CommandLineTests.marginal(["fit", data.path, "-f", Self.formula, "--output", other])
        #expect(run.status != 0)
        #expect(try Data(contentsOf: data) == before)
    }

    @Test func twoOutputsOnOneFileAreRefused() throws {
        let data = try Self.sleepstudyCopy()
        let target = data.deletingLastPathComponent().appendingPathComponent("out.txt").path
        let run = try CommandLineTests.marginal(["sample", data.path, "-f", Self.formula, "--draws", "10", "--warmup", "10", "-o", target, "--draws-out", target])
        #expect(run.status != 0)
        #expect(run.stderr.contains("same file"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    @Test func symbolicLinkIsWrittenThrough() throws {
        let data = try Self.sleepstudyCopy()
        let folder = data.deletingLastPathComponent()
        let target = folder.appendingPathComponent("target.txt")
        try "old".write(to: target, atomically: true, encoding: .utf8)
        let link = folder.appendingPathComponent("link.txt")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        let run = try CommandLineTests.marginal(["fit", data.path, "-f", Self.formula, "-o", link.path])
        #expect(run.status == 0, "\(run.stderr)")
        let kind = try FileManager.default.attributesOfItem(atPath: link.path)[.type] as? FileAttributeType
        #expect(kind == .typeSymbolicLink)
        #expect(try String(contentsOf: target, encoding: .utf8).contains("REML criterion"))
    }

    @Test func fifoIsWrittenToNotReplaced() throws {
        let data = try Self.sleepstudyCopy()
        let fifo = data.deletingLastPathComponent().appendingPathComponent("pipe")
        try #require(mkfifo(fifo.path, 0o600) == 0)
        // A reader on the FIFO, so that the writer's open does not block.
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: "/bin/cat")
        reader.arguments = [fifo.path]
        let out = Pipe()
        reader.standardOutput = out
        try reader.run()
        let run = try CommandLineTests.marginal(["fit", data.path, "-f", Self.formula, "-o", fifo.path])
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        reader.waitUntilExit()
        #expect(run.status == 0, "\(run.stderr)")
        #expect(text.contains("REML criterion"))
        let kind = try FileManager.default.attributesOfItem(atPath: fifo.path)[.type] as? FileAttributeType
        #expect(kind != .typeRegular)
    }

    @Test func closedStandardOutputIsAnError() throws {
        for command in [["fit", "Examples/sleepstudy.csv", "-f", Self.formula], ["describe", "Examples/sleepstudy.csv", "-f", Self.formula]] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            // Standard output closed (>&-): the write fails with EBADF.
            let binary = Bundle.main.bundleURL.appendingPathComponent("marginal")
            let executable = FileManager.default.isExecutableFile(atPath: binary.path) ? binary.path : CommandLineTests.repository.appendingPathComponent(".build/debug/marginal").path
            process.arguments = ["-c", "\"$0\" \"$@\" >&-", executable] + command
            process.currentDirectoryURL = CommandLineTests.repository
            let err = Pipe()
            process.standardError = err
            try process.run()
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus != 0, "\(command)")
            #expect(process.terminationReason == .exit, "\(command): killed by a signal")
            #expect(stderr.contains("cannot write standard output"), "\(command): \(stderr)")
        }
    }
}

/// Counts that used to trap (overflow) or abort (allocation) are refused with the option named.
@Suite struct SampleLimitsTests {
    @Test(arguments: [
        ["--chains", "9223372036854775807"], ["--chains", "0"], ["--draws", "100000000"], ["--warmup", "-1"],
        ["--max-depth", "64"], ["--target-accept", "1"],
    ])
    func outOfRangeCountsAreRefused(_ option: [String]) throws {
        let run = try CommandLineTests.marginal(["sample", "Examples/sleepstudy.csv", "-f", "Reaction ~ Days + (Days | Subject)"] + option)
        #expect(run.status != 0)
        #expect(run.stderr.contains(option[0]), "\(option): \(run.stderr)")
    }

    @Test func drawsThatDoNotFitInMemoryAreRefused() throws {
        let run = try CommandLineTests.marginal(["sample", "Examples/sleepstudy.csv", "-f", "Reaction ~ Days + (Days | Subject)", "--chains", "256", "--draws", "10000000"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("GB for the draws"), "\(run.stderr)")
    }
}

/// `--levels` naming a label that no row has is reported (it used to pass silently).
@Suite struct LevelOrderWarningTests {
    @Test func unusedListedLevelIsNamed() throws {
        let data = try CommandLineTests.temporaryFile("y,g\n1,a\n2,b\n3,a\n4,b\n")
        let run = try CommandLineTests.marginal(["describe", data.path, "-f", "y ~ 1 + (1 | g)", "--levels", "g=a,b,c"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect((run.stdout + run.stderr).contains("--levels lists 'c' for 'g'"), "\(run.stdout)\(run.stderr)")
    }
}
