#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

/// Cuts CSV text (RFC 4180) into records and fields.
///
/// Rules:
/// - Fields are separated by commas; records end with LF or CRLF. A CR not followed by LF
///   (or by the end of the text) is ordinary text.
/// - A field that starts with `"` is quoted: it may hold commas, line breaks and doubled quotes
///   (`""` stands for one `"`), and must be followed by a comma, a line end or the end of the
///   text; anything else after the closing quote is an error. A `"` later inside an unquoted
///   field is kept as text.
/// - A leading UTF-8 byte-order mark is skipped.
/// - Completely empty lines are skipped wherever they occur, as R's `read.csv` does
///   (`blank.lines.skip = TRUE`); so a trailing newline or blank lines at the end are fine.
///   A line holding only spaces, or only `""`, is not blank: it is a record.
/// - Every record must have as many fields as the first (the header).
enum CSVTokenizer {
    static func tokenize(_ input: consuming [UInt8]) throws(DataError) -> CSVRecords {
        var text = input
        var spans: [FieldSpan] = []
        var columnCount = 0
        try text.withUnsafeMutableBufferPointer { (buffer: inout UnsafeMutableBufferPointer<UInt8>) throws(DataError) in
            var scanner = Scanner(buffer: buffer)
            spans.reserveCapacity(scanner.estimatedFieldCount())
            columnCount = try scanner.scanAll(into: &spans)
        }
        return CSVRecords(bytes: text, columnCount: columnCount, spans: spans)
    }

    /// The byte-level state machine over a mutable buffer.
    private struct Scanner {
        let base: UnsafeMutablePointer<UInt8>?
        let count: Int
        var position = 0

        init(buffer: UnsafeMutableBufferPointer<UInt8>) {
            base = buffer.baseAddress
            count = buffer.count
            if count >= 3, let base, base[0] == 0xEF, base[1] == 0xBB, base[2] == 0xBF {
                position = 3
            }
        }

        /// A guess at the number of fields from the first 64 KiB, to size the span array once.
        func estimatedFieldCount() -> Int {
            guard let base, count > 0 else { return 0 }
            let sample = min(count, 1 << 16)
            var separators = 1
            for i in 0..<sample where base[i] == CSVByte.comma || base[i] == CSVByte.lineFeed {
                separators += 1
            }
            // A field takes at least one byte, so there are at most count + 1 of them.
            let estimate = Double(separators) * Double(count) / Double(sample) * 1.05
            return estimate < Double(count + 1) ? Int(estimate) : count + 1
        }

        /// Scans every record, appending field spans; returns the header's field count.
        mutating func scanAll(into spans: inout [FieldSpan]) throws(DataError) -> Int {
            guard let base else { return 0 }
            var columnCount = 0
            while position < count {
                if skipBlankLine(base) { continue }
                let recordOffset = position
                let firstField = spans.count
                try scanRecord(base, into: &spans)
                let found = spans.count - firstField
                if columnCount == 0 {
                    columnCount = found
                } else if found != columnCount {
                    throw .raggedRow(line: line(of: recordOffset), expected: columnCount, found: found)
                }
            }
            return columnCount
        }

        /// Skips an empty line (LF, or CRLF, or a final lone CR) at the current position.
        private mutating func skipBlankLine(_ base: UnsafeMutablePointer<UInt8>) -> Bool {
            let byte = base[position]
            if byte == CSVByte.lineFeed {
                position += 1
                return true
            }
            if byte == CSVByte.carriageReturn, let length = lineEndLength(base, at: position) {
                position += length
                return true
            }
            return false
        }

        /// If a line end starts at `offset` (LF, CRLF, or CR at the very end), its length.
        private func lineEndLength(_ base: UnsafeMutablePointer<UInt8>, at offset: Int) -> Int? {
            let byte = base[offset]
            if byte == CSVByte.lineFeed { return 1 }
            guard byte == CSVByte.carriageReturn else { return nil }
            if offset + 1 == count { return 1 }
            return base[offset + 1] == CSVByte.lineFeed ? 2 : nil
        }

        /// Scans fields up to and including the end of the record.
        private mutating func scanRecord(_ base: UnsafeMutablePointer<UInt8>, into spans: inout [FieldSpan]) throws(DataError) {
            while true {
                if position < count && base[position] == CSVByte.quote {
                    spans.append(try scanQuotedField(base))
                } else {
                    spans.append(scanUnquotedField(base))
                }
                // The field ended at a comma, a line end or the end of the text.
                if position == count { return }
                if base[position] == CSVByte.comma {
                    position += 1
                    // A comma as the very last byte leaves one more (empty) field.
                    if position == count {
                        spans.append(FieldSpan(start: count, end: count))
                        return
                    }
                    continue
                }
                if let length = lineEndLength(base, at: position) {
                    position += length
                    return
                }
                throw .textAfterClosingQuote(line: line(of: position))
            }
        }

        /// An unquoted field: everything up to the next comma or line end.
        private mutating func scanUnquotedField(_ base: UnsafeMutablePointer<UInt8>) -> FieldSpan {
            let start = position
            var i = position
            while i < count {
                let byte = base[i]
                // Every structural byte is at most ',' (0x2C); most text bytes are above it.
                if byte <= CSVByte.comma {
                    if byte == CSVByte.comma || byte == CSVByte.lineFeed { break }
                    if byte == CSVByte.carriageReturn && lineEndLength(base, at: i) != nil { break }
                }
                i += 1
            }
            position = i
            return FieldSpan(start: start, end: i)
        }

        /// A quoted field starting at the opening quote. Doubled quotes are collapsed in place.
        private mutating func scanQuotedField(_ base: UnsafeMutablePointer<UInt8>) throws(DataError) -> FieldSpan {
            let opening = position
            let start = opening + 1
            var write = start       // end of the collapsed content so far
            var segment = start     // start of the text not yet copied
            while true {
                guard segment < count,
                      let found = memchr(base + segment, Int32(CSVByte.quote), count - segment) else {
                    throw .unterminatedQuote(line: line(of: opening))
                }
                let quote = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                let length = quote - segment
                if write != segment && length > 0 {
                    (base + write).update(from: base + segment, count: length)
                }
                write += length
                if quote + 1 < count && base[quote + 1] == CSVByte.quote {
                    base[write] = CSVByte.quote
                    write += 1
                    segment = quote + 2
                    continue
                }
                // The closing quote. Blank out bytes freed by collapsing.
                if write < quote {
                    (base + write).update(repeating: CSVByte.space, count: quote - write)
                }
                position = quote + 1
                return FieldSpan(start: start, end: write)
            }
        }

        private func line(of offset: Int) -> Int {
            lineNumber(ofOffset: offset, in: UnsafeBufferPointer(start: base, count: count))
        }
    }
}
