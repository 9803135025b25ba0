/// How to read a CSV file into a ``DataFrame``.
public struct CSVOptions: Sendable {
    /// Columns read as categorical whatever their values look like (`--factor Subject`).
    public var factorColumns: Set<String> = []
    /// Columns that must be numeric: a non-number there is an error naming the line.
    public var numericColumns: Set<String> = []
    /// Level order per column (`--levels dept=15,5,10`); such a column is categorical.
    public var levelOrders: [String: [String]] = [:]
    /// Field texts read as missing values.
    public var missingTokens: Set<String> = ["NA", ""]

    public init() {}
}

/// Reads CSV text (RFC 4180) into a column-oriented ``DataFrame``.
///
/// The first non-blank record is the header naming the columns (names must be non-empty and
/// distinct). Syntax: see ``CSVTokenizer`` (quoting, CRLF or LF line ends, a UTF-8 byte-order
/// mark, blank lines skipped as R does). The text must be valid UTF-8.
///
/// Typing follows R's `read.csv`: a column is numeric when every value that is not missing
/// parses as a number (see ``NumberParser``: `Inf`, `-Inf` and `NaN` are numbers, not missing
/// values), otherwise categorical with R's default level order. Quoting does not change a
/// value's type (`"308"` is a number) and a quoted missing token (`"NA"`) is missing, both as
/// in R. A column with no values at all (every entry missing) is numeric. ``CSVOptions``
/// overrides the typing per column.
///
/// Errors name the 1-based line of the file (blank lines and line breaks inside quoted fields
/// count): for a record with the wrong number of fields, the line where it starts; for a bad
/// value, the line where its field starts; for a quoting or encoding error, the line of the
/// offending byte (for an unclosed quote, the line where it opened).
public enum CSVReader {
    /// Reads the file at `path`.
    public static func read(path: String, options: CSVOptions = CSVOptions()) throws(DataError) -> DataFrame {
        try frame(from: readFileBytes(path: path), options: options)
    }

    /// The bytes of the file at `path`, with the errors of ``read(path:options:)`` (for a caller
    /// that also needs them, e.g. to fingerprint the file it read).
    public static func fileBytes(path: String) throws(DataError) -> [UInt8] {
        try readFileBytes(path: path)
    }

    /// Reads CSV text given as UTF-8 bytes.
    public static func read(bytes: [UInt8], options: CSVOptions = CSVOptions()) throws(DataError) -> DataFrame {
        try frame(from: bytes, options: options)
    }

    private static func frame(from bytes: consuming [UInt8], options: CSVOptions) throws(DataError) -> DataFrame {
        let invalid = bytes.withUnsafeBufferPointer { text in
            firstInvalidUTF8Offset(in: text).map { lineNumber(ofOffset: $0, in: text) }
        }
        if let invalid { throw .invalidUTF8(line: invalid) }

        let records = try CSVTokenizer.tokenize(consume bytes)
        if records.columnCount == 0 { throw .emptyFile }
        let names = try headerNames(records)
        if records.dataRowCount == 0 { throw .headerOnly }
        if records.dataRowCount > Int(Int32.max) { throw .tooManyRows(records.dataRowCount) }
        let requests = try ColumnRequest.resolve(options, names: names)

        let columns = try buildColumns(records, names: names, requests: requests, missing: MissingTokens(options.missingTokens))
        return try DataFrame(Array(zip(names, columns)))
    }

    /// The header's field texts, which must be non-empty and distinct.
    private static func headerNames(_ records: CSVRecords) throws(DataError) -> [String] {
        var names: [String] = []
        var seen = Set<String>()
        for column in 0..<records.columnCount {
            let span = records.spans[column]
            let name = records.bytes[span.start..<span.end].withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
            if name.isEmpty { throw .emptyColumnName(column: column + 1) }
            if !seen.insert(name).inserted { throw .duplicateColumn(name) }
            names.append(name)
        }
        return names
    }

    /// Builds the columns concurrently; reports the error of the leftmost failing column.
    private static func buildColumns(
        _ records: CSVRecords, names: [String], requests: [ColumnRequest], missing: MissingTokens
    ) throws(DataError) -> [Column] {
        let results = records.bytes.withUnsafeBufferPointer { text in
            let builder = CSVColumnBuilder(records: records, text: text, missing: missing)
            return concurrentMap(count: names.count) { column in
                Result { () throws(DataError) in
                    try builder.build(column: column, name: names[column], request: requests[column])
                }
            }
        }
        var columns: [Column] = []
        columns.reserveCapacity(results.count)
        for result in results {
            switch result {
            case .success(let column): columns.append(column)
            case .failure(let error): throw error
            }
        }
        return columns
    }
}
