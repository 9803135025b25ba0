import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file atomically, and leaves nothing behind when interrupted.
///
/// The bytes go to `.NAME.marginal-PID.partial` in the target's folder (same file system, so the
/// final `rename` is atomic), are flushed to disk (`fsync`), and the temporary file is renamed
/// over `NAME`. An existing `NAME` is either replaced whole or left as it was; its permission bits
/// are kept. While the temporary file exists its path is in ``TemporaryFiles``, whose SIGINT,
/// SIGTERM and SIGHUP handler removes it before the process dies of the signal. A file of this
/// name whose process is gone is reported by ``StaleTemporaryFiles`` at the start of the next run.
enum AtomicFile {
    /// The suffix of every temporary file, after `.marginal-PID`.
    static let suffix = ".partial"

    /// `.NAME.marginal-PID.partial` next to `path` (NAME shortened when the whole would pass the
    /// 255-byte limit of a file name).
    static func temporaryPath(for path: String, pid: pid_t = getpid()) -> String {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let tail = ".marginal-\(pid)\(suffix)"
        var name = url.lastPathComponent
        while name.utf8.count + 1 + tail.utf8.count > 255, !name.isEmpty { name.removeLast() }
        return (folder == "/" ? "" : folder) + "/." + name + tail
    }

    /// Writes `bytes` to `path` (a regular file or a new one) through a temporary file.
    /// Throws a message naming the reason (the temporary file is removed first).
    static func write(_ bytes: [UInt8], to path: String) throws(AtomicFileError) {
        let temporary = temporaryPath(for: path)
        let registration = TemporaryFiles.register(temporary)
        defer { if let registration { TemporaryFiles.unregister(registration) } }
        // A file of this name can only be left by an earlier process with our PID: it is stale.
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw AtomicFileError(path: path, reason: lastErrorMessage()) }
        func fail(_ reason: String) -> AtomicFileError {
            close(descriptor)
            unlink(temporary)
            return AtomicFileError(path: path, reason: reason)
        }
        // An existing file keeps its permission bits.
        var existing = stat()
        if stat(path, &existing) == 0, existing.st_mode & S_IFMT == S_IFREG {
            _ = fchmod(descriptor, existing.st_mode & 0o7777)
        }
        var written = 0
        let failure: String? = bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return nil }
            while written < buffer.count {
                let count = systemWrite(descriptor, base + written, buffer.count - written)
                if count < 0 {
                    if errno == EINTR { continue }
                    return lastErrorMessage()
                }
                written += count
            }
            return nil
        }
        if let failure { throw fail(failure) }
        guard fsync(descriptor) == 0 else { throw fail(lastErrorMessage()) }
        TestHook.holdBeforeRename(temporary)
        guard close(descriptor) == 0 else {
            let reason = lastErrorMessage()
            unlink(temporary)
            throw AtomicFileError(path: path, reason: reason)
        }
        guard rename(temporary, path) == 0 else {
            let reason = lastErrorMessage()
            unlink(temporary)
            throw AtomicFileError(path: path, reason: reason)
        }
        // The rename itself is made durable by syncing the folder (best effort).
        let folder = open(URL(fileURLWithPath: path).deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folder >= 0 {
            _ = fsync(folder)
            close(folder)
        }
    }

    static func lastErrorMessage() -> String {
        guard let message = strerror(errno) else { return "error \(errno)" }
        return String(cString: message)
    }
}

/// `write(2)`, under a name that the static `AtomicFile.write` does not shadow.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(descriptor, bytes, count)
    #elseif canImport(Musl)
    return Musl.write(descriptor, bytes, count)
    #else
    return Darwin.write(descriptor, bytes, count)
    #endif
}

/// A failed atomic write: nothing was left at the path, and an existing file there is unchanged.
struct AtomicFileError: Error, CustomStringConvertible {
    var path: String
    var reason: String
    var description: String { "cannot write '\(path)': \(reason); the file was not changed" }
}

/// The temporary files being written by this process, as C strings encoded in advance, so that
/// a signal handler can remove them with `unlink` alone (async-signal-safe: no allocation, no
/// lock, no Swift runtime call but reading a pointer).
///
/// A slot holds a pointer from `strdup` or nil; a path is registered before its file is created
/// and unregistered after the rename (unlinking a path that was already renamed fails harmlessly).
/// The strings are never freed, so a handler running on another thread never reads freed memory;
/// a run writes a handful of files, so the leak is a few hundred bytes.
enum TemporaryFiles {
    static let capacity = 64

    nonisolated(unsafe) static let slots: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
        let slots = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
        slots.initialize(repeating: nil, count: capacity)
        return slots
    }()

    private static let lock = NSLock()

    /// Registers `path`; nil when every slot is taken (the write goes on, unprotected).
    static func register(_ path: String) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard let index = (0..<capacity).first(where: { slots[$0] == nil }), let copy = strdup(path) else { return nil }
        slots[index] = copy
        return index
    }

    static func unregister(_ index: Int) {
        lock.lock()
        defer { lock.unlock() }
        slots[index] = nil
    }

    /// Installs the handler for SIGINT, SIGTERM and SIGHUP, except for a signal the process was
    /// started ignoring (a background job keeps ignoring SIGINT, as it should). A handled signal
    /// that the parent left blocked (a mask is inherited across exec; some launchers' threads block
    /// signals) is unblocked: blocked, it would stay pending and the run would not stop.
    static func installSignalHandlers() {
        _ = slots // initialized now, not inside a handler
        var handled = sigset_t()
        sigemptyset(&handled)
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            var current = sigaction()
            guard sigaction(signalNumber, nil, &current) == 0 else { continue }
            if isIgnored(current) { continue }
            var action = sigaction()
            setHandler(&action, removeTemporariesAndReraise)
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            if sigaction(signalNumber, &action, nil) == 0 { sigaddset(&handled, signalNumber) }
        }
        // Threads started later (the sampler's chains) inherit this thread's mask.
        _ = pthread_sigmask(SIG_UNBLOCK, &handled, nil)
    }

    private static func isIgnored(_ action: sigaction) -> Bool {
        #if canImport(Darwin)
        let handler = action.__sigaction_u.__sa_handler
        #else
        let handler = action.__sigaction_handler.sa_handler
        #endif
        guard let handler else { return false }
        return unsafeBitCast(handler, to: Int.self) == 1 // SIG_IGN is ((void (*)(int)) 1)
    }

    private static func setHandler(_ action: inout sigaction, _ handler: @convention(c) (Int32) -> Void) {
        #if canImport(Darwin)
        action.__sigaction_u.__sa_handler = handler
        #else
        action.__sigaction_handler.sa_handler = handler
        #endif
    }

    /// Removes every registered temporary file (async-signal-safe).
    static func unlinkAll() {
        for index in 0..<capacity {
            if let path = slots[index] { unlink(path) }
        }
    }
}

/// The handler: remove the temporary files, then die of the same signal (default action
/// restored and the signal raised again; it is delivered when the handler returns), so the exit
/// status says what happened.
private let removeTemporariesAndReraise: @convention(c) (Int32) -> Void = { signalNumber in
    TemporaryFiles.unlinkAll()
    signal(signalNumber, SIG_DFL)
    raise(signalNumber)
}

/// Temporary files left by runs that were killed (SIGKILL, a crash, a power cut), found in an
/// output's folder at the start of the next run: `.NAME.marginal-PID.partial` whose process no
/// longer exists, and `NAME.partial-PID` left by older versions for the output's own name. They
/// are named on stderr, not removed: a file in the user's folder is removed only by the user.
enum StaleTemporaryFiles {
    /// The stale temporary files next to `outputs` (paths as given; links are followed).
    static func find(nextTo outputs: [String]) -> [String] {
        var folders: [String: Set<String>] = [:]
        for output in outputs {
            let target = URL(fileURLWithPath: output).resolvingSymlinksInPath()
            folders[target.deletingLastPathComponent().path, default: []].insert(target.lastPathComponent)
        }
        var stale: [String] = []
        for (folder, names) in folders.sorted(by: { $0.key < $1.key }) {
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else { continue }
            for entry in entries.sorted() {
                guard let pid = processID(of: entry, outputNames: names), !isRunning(pid) else { continue }
                stale.append((folder == "/" ? "" : folder) + "/" + entry)
            }
        }
        return stale
    }

    /// The PID in a temporary file's name: `.NAME.marginal-PID.partial` (any NAME), or
    /// `NAME.partial-PID` for one of `outputNames`; nil for any other name.
    static func processID(of entry: String, outputNames: Set<String>) -> Int? {
        if entry.hasPrefix("."), entry.hasSuffix(AtomicFile.suffix),
           let marker = entry.range(of: ".marginal-", options: .backwards) {
            let digits = entry[marker.upperBound..<entry.index(entry.endIndex, offsetBy: -AtomicFile.suffix.count)]
            return pid(digits)
        }
        if let marker = entry.range(of: ".partial-", options: .backwards),
           outputNames.contains(String(entry[..<marker.lowerBound])) {
            return pid(entry[marker.upperBound...])
        }
        return nil
    }

    private static func pid(_ digits: Substring) -> Int? {
        guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(digits), value > 0 else { return nil }
        return value
    }

    /// Whether a process with this PID exists (kill(pid, 0) fails with ESRCH when it does not;
    /// EPERM means it exists under another user). A PID beyond pid_t's range cannot exist.
    static func isRunning(_ pid: Int) -> Bool {
        guard pid > 0, let id = pid_t(exactly: pid) else { return false }
        if id == getpid() { return true }
        return kill(id, 0) == 0 || errno != ESRCH
    }

    /// Names the stale files on stderr, saying that they can be removed.
    static func warn(nextTo outputs: [String]) {
        for path in find(nextTo: outputs) {
            let message = "warning: '\(path)' is a temporary file left by an interrupted marginal run (its process no longer exists); it is not used and can be removed\n"
            FileHandle.standardError.write(Data(message.utf8))
        }
    }
}

/// A pause for the tests: with MARGINAL_TEST_HOLD_PARTIAL=SECONDS in the environment, a write
/// waits that long with its temporary file complete and not yet renamed, so that a test can
/// interrupt it at that moment. Unset (always, outside the tests), it does nothing.
enum TestHook {
    static func holdBeforeRename(_ temporary: String) {
        guard let text = ProcessInfo.processInfo.environment["MARGINAL_TEST_HOLD_PARTIAL"],
              let seconds = Double(text), seconds > 0, seconds <= 60 else { return }
        Thread.sleep(forTimeInterval: seconds)
    }
}
