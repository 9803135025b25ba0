#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a ``DataFrame`` as CSV text (RFC 4180 fields, `\n` line ends), readable by R's
/// `read.csv` and by ``CSVReader``.
///
/// - Numbers are written with Swift's shortest representation that reads back to the same
///   `Double` (e.g. `0.1`, `1e-05`, `3.0`), so a write–read round trip is exact. Non-finite
///   values are written as R writes them: `Inf`, `-Inf`, `NaN`.
/// - Missing entries (numeric or categorical) are written as `NA`, unquoted.
/// - A label or column name is quoted (with inner quotes doubled) when it holds a comma, a
///   quote, a line break, leading or trailing blanks, or when unquoted it would read as missing
///   (`NA` or the empty label).
public enum CSVWriter {
    /// The CSV text of `frame`, header first.
    public static func text(_ frame: DataFrame) -> String {
        var bytes: [UInt8] = []
        encode(frame) { chunk in bytes.append(contentsOf: chunk) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes `frame` to `path` atomically: the text goes to a temporary file next to `path`,
    /// which is renamed over `path` only once it is complete, so a failure leaves no
    /// half-written file (and an existing file at `path` untouched).
    public static func write(_ frame: DataFrame, toPath path: String) throws(CSVWriteError) {
        let temporaryPath = "\(path).partial-\(getpid())"
        guard let file = fopen(temporaryPath, "wb") else {
            throw .cannotCreate(path: path, reason: lastErrorMessage())
        }
        var failure: String?
        encode(frame) { chunk in
            guard failure == nil else { return }
            let written = chunk.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
            if written != chunk.count { failure = lastErrorMessage() }
        }
        if fclose(file) != 0, failure == nil { failure = lastErrorMessage() }
        if let failure {
            unlink(temporaryPath)
            throw .writeFailed(path: path, reason: failure)
        }
        if rename(temporaryPath, path) != 0 {
            let reason = lastErrorMessage()
            unlink(temporaryPath)
            throw .writeFailed(path: path, reason: reason)
        }
    }

    /// Encodes `frame` row by row, handing out chunks of about 1 MiB.
    static func encode(_ frame: DataFrame, chunkSize: Int = 1 << 20, emit: ([UInt8]) -> Void) {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(chunkSize + 4096)
        for (index, name) in frame.names.enumerated() {
            if index > 0 { buffer.append(comma) }
            buffer.append(contentsOf: field(name))
        }
        buffer.append(newline)
        // Labels are encoded once per level, not once per row.
        let encodedLevels: [[[UInt8]]] = frame.columns.map { column in
            guard case .categorical(let categorical) = column else { return [] }
            return categorical.levels.map(field)
        }
        for row in 0..<frame.rowCount {
            for (index, column) in frame.columns.enumerated() {
                if index > 0 { buffer.append(comma) }
                switch column {
                case .numeric(let numeric):
                    if numeric.missing[row] {
                        buffer.append(contentsOf: missingToken)
                    } else {
                        appendNumber(numeric.values[row], to: &buffer)
                    }
                case .categorical(let categorical):
                    let code = Int(categorical.codes[row])
                    if code >= 0, code < encodedLevels[index].count {
                        buffer.append(contentsOf: encodedLevels[index][code])
                    } else {
                        buffer.append(contentsOf: missingToken)
                    }
                }
            }
            buffer.append(newline)
            if buffer.count >= chunkSize {
                emit(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        if !buffer.isEmpty { emit(buffer) }
    }

    /// A number as text that reads back to the same `Double`.
    static func appendNumber(_ value: Double, to buffer: inout [UInt8]) {
        if value.isNaN {
            buffer.append(contentsOf: Array("NaN".utf8))
        } else if value.isInfinite {
            buffer.append(contentsOf: Array((value < 0 ? "-Inf" : "Inf").utf8))
        } else {
            buffer.append(contentsOf: value.description.utf8)
        }
    }

    /// A label or name as an RFC 4180 field, quoted only when needed.
    static func field(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        if !needsQuotes(bytes) { return bytes }
        var quoted: [UInt8] = [quote]
        for byte in bytes {
            if byte == quote { quoted.append(quote) }
            quoted.append(byte)
        }
        quoted.append(quote)
        return quoted
    }

    static func needsQuotes(_ bytes: [UInt8]) -> Bool {
        if bytes.isEmpty || bytes == missingToken { return true }
        if let first = bytes.first, first == space || first == tab { return true }
        // A leading U+FEFF would be read back as the file's byte-order mark and dropped.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return true }
        if let last = bytes.last, last == space || last == tab { return true }
        return bytes.contains { $0 == comma || $0 == quote || $0 == newline || $0 == carriageReturn }
    }

    private static let comma = UInt8(ascii: ",")
    private static let quote = UInt8(ascii: "\"")
    private static let newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")
    private static let space = UInt8(ascii: " ")
    private static let tab = UInt8(ascii: "\t")
    private static let missingToken = Array("NA".utf8)

    private static func lastErrorMessage() -> String {
        guard let message = strerror(errno) else { return "error \(errno)" }
        return String(cString: message)
    }
}

/// Errors in writing a CSV file.
public enum CSVWriteError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be created (missing folder, no permission, ...).
    case cannotCreate(path: String, reason: String)
    /// Writing or renaming the finished file failed (disk full, ...); nothing was left at `path`.
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotCreate(let path, let reason):
            return "cannot create '\(path)': \(reason)"
        case .writeFailed(let path, let reason):
            return "could not write '\(path)': \(reason); no file was left there"
        }
    }
}
