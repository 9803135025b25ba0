#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

/// Reads a whole file into memory as raw bytes.
///
/// The size reported by the file system is used to allocate once; reading then continues
/// to the end of the stream, so pipes and files that grow while being read work too.
func readFileBytes(path: String) throws(DataError) -> [UInt8] {
    guard let file = fopen(path, "rb") else {
        throw .fileNotReadable(path: path, reason: systemErrorText(errno))
    }
    defer { fclose(file) }

    var status = stat()
    let expectedSize = fstat(fileno(file), &status) == 0 ? max(Int(status.st_size), 0) : 0
    if (status.st_mode & S_IFMT) == S_IFDIR {
        throw .fileNotReadable(path: path, reason: "it is a directory")
    }

    // One byte more than expected, so that a file of exactly the expected size ends with a
    // short read rather than a buffer enlargement.
    var bytes = [UInt8](repeating: 0, count: max(expectedSize + 1, 1 << 16))
    var filled = 0
    while true {
        if filled == bytes.count {
            bytes.append(contentsOf: repeatElement(0, count: bytes.count))
        }
        let wanted = bytes.count - filled
        let got = bytes.withUnsafeMutableBytes { buffer -> Int in
            guard let base = buffer.baseAddress else { return 0 }
            return fread(base + filled, 1, wanted, file)
        }
        filled += got
        if got < wanted {
            if ferror(file) != 0 {
                throw .fileNotReadable(path: path, reason: systemErrorText(errno))
            }
            break
        }
    }
    bytes.removeSubrange(filled...)
    return bytes
}

/// The C library's description of an `errno` value, e.g. "No such file or directory".
private func systemErrorText(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(cString: text)
}
