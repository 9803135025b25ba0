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
public enum CSVReader {
    /// Reads the file at `path`.
    public static func read(path: String, options: CSVOptions = CSVOptions()) throws(DataError) -> DataFrame {
        throw .fileNotReadable(path: path, reason: "CSV reading is not implemented yet")
    }

    /// Reads CSV text given as UTF-8 bytes.
    public static func read(bytes: [UInt8], options: CSVOptions = CSVOptions()) throws(DataError) -> DataFrame {
        throw .emptyFile
    }
}
