/// The 1-based line of the byte at `offset`: one more than the number of line feeds before it.
///
/// Lines end with LF or CRLF, so counting LF bytes counts lines in both conventions.
/// Used only to word error messages, so a linear scan is fine.
func lineNumber(ofOffset offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int {
    var line = 1
    for byte in bytes.prefix(max(0, offset)) where byte == CSVByte.lineFeed {
        line += 1
    }
    return line
}
