import Foundation
import Marginal
#if canImport(Glibc)
import Glibc
#endif

/// Where a command's result goes: standard output, or a file. A regular file (or a new one) is
/// written atomically (``AtomicFile``: a temporary `.NAME.marginal-PID.partial` in the same
/// folder, flushed, then renamed), so a failure or an interruption never leaves half a file behind;
/// a symbolic link is written through to its target, and a FIFO or a device is written to directly,
/// never replaced by a regular file.
struct OutputDestination {
    var path: String?

    func write(_ text: String) throws {
        try write(bytes: Array((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    /// Writes a data frame as CSV (``CSVWriter``'s text) through the same path as ``write(_:)``.
    func write(csv frame: DataFrame) throws {
        try write(bytes: Array(CSVWriter.text(frame).utf8))
    }

    func write(bytes: [UInt8]) throws {
        guard let path else {
            do {
                try FileHandle.standardOutput.write(contentsOf: bytes)
            } catch {
                throw CommandError(description: "cannot write standard output: \(error.localizedDescription)")
            }
            return
        }
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath()
        do {
            if let kind = Self.fileType(target.path), kind != S_IFREG {
                guard let handle = FileHandle(forWritingAtPath: target.path) else {
                    throw CocoaError(.fileWriteNoPermission)
                }
                defer { try? handle.close() }
                try handle.write(contentsOf: bytes)
            } else {
                try AtomicFile.write(bytes, to: target.path)
            }
        } catch let error as AtomicFileError {
            throw CommandError(description: "cannot write '\(path)': \(error.reason); the file was not changed")
        } catch {
            throw CommandError(description: "cannot write '\(path)': \(error.localizedDescription)")
        }
    }

    /// Refuses, before any work starts, an output that is one of the inputs or another output
    /// (the same file, by device and inode, or the same path), a folder, and an output that cannot
    /// be written (its folder, or an existing FIFO or device itself). Then names on stderr the
    /// temporary files that killed runs left next to the outputs (``StaleTemporaryFiles``).
    /// `outputs` pairs each option's name with its path (nil: not given).
    static func validate(outputs: [(option: String, path: String?)], inputs: [String]) throws {
        let given = outputs.compactMap { output in output.path.map { (output.option, $0) } }
        defer { StaleTemporaryFiles.warn(nextTo: given.map(\.1)) }
        for (index, (option, path)) in given.enumerated() {
            for input in inputs where sameFile(path, input) {
                throw CommandError(description: "\(option) '\(path)' is the input data file; writing it would destroy the data. Choose another file")
            }
            for (otherOption, other) in given[..<index] where sameFile(path, other) {
                throw CommandError(description: "\(option) and \(otherOption) name the same file '\(path)'; give each output its own file")
            }
            guard !path.isEmpty else { throw CommandError(description: "\(option) is an empty path; name a file") }
            let target = URL(fileURLWithPath: path).resolvingSymlinksInPath()
            let kind = fileType(target.path)
            if kind == S_IFDIR {
                throw CommandError(description: "cannot write \(option) '\(path)': it is a folder; name a file in it")
            } else if kind == nil || kind == S_IFREG {
                let folder = target.deletingLastPathComponent().path
                guard access(folder, W_OK | X_OK) == 0 else {
                    throw CommandError(description: "cannot write \(option) '\(path)': the folder '\(folder)' is not writable or does not exist")
                }
            } else if access(target.path, W_OK) != 0 {
                throw CommandError(description: "cannot write \(option) '\(path)': \(AtomicFile.lastErrorMessage())")
            }
        }
    }

    /// The file type bits (S_IFREG, S_IFIFO, …) of an existing path (following links), or nil.
    private static func fileType(_ path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & S_IFMT
    }

    /// Whether two paths name one file: the same device and inode when both exist, else the same
    /// absolute path after resolving links.
    private static func sameFile(_ a: String, _ b: String) -> Bool {
        var first = stat(), second = stat()
        if stat(a, &first) == 0, stat(b, &second) == 0 {
            return first.st_dev == second.st_dev && first.st_ino == second.st_ino
        }
        return URL(fileURLWithPath: a).resolvingSymlinksInPath().standardizedFileURL.path
            == URL(fileURLWithPath: b).resolvingSymlinksInPath().standardizedFileURL.path
    }
}
