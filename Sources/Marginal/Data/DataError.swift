/// Errors in reading or addressing data.
public enum DataError: Error, Equatable, Sendable, CustomStringConvertible {
    case fileNotReadable(path: String, reason: String)
    case emptyFile
    case headerOnly
    /// A data row with a different number of fields than the header; `line` is 1-based in the file.
    case raggedRow(line: Int, expected: Int, found: Int)
    /// A quoted field that is never closed; `line` is where it opened.
    case unterminatedQuote(line: Int)
    /// Text after a closing quote inside a field, e.g. `"ab"c`.
    case textAfterClosingQuote(line: Int)
    case invalidUTF8(line: Int)
    case duplicateColumn(String)
    case emptyColumnName(column: Int)
    case columnLengthMismatch(name: String, expected: Int, found: Int)
    case unknownColumn(name: String, suggestion: String?, available: [String])
    /// A column asked to be numeric holds a value that is not a number.
    case notNumeric(column: String, line: Int, value: String)
    /// A level order that misses a label present in the data.
    case levelNotListed(column: String, label: String)
    case duplicateLevel(column: String, label: String)
    /// A column named in both `numericColumns` and `factorColumns`/`levelOrders`.
    case conflictingColumnOptions(column: String)
    /// More data rows than category codes (`Int32`) can address.
    case tooManyRows(Int)

    public var description: String {
        switch self {
        case .fileNotReadable(let path, let reason):
            return "cannot read '\(path)': \(reason)"
        case .emptyFile:
            return "the file is empty: expected a header row naming the columns"
        case .headerOnly:
            return "the file has a header row but no data rows"
        case .raggedRow(let line, let expected, let found):
            return "line \(line): expected \(expected) fields as in the header, found \(found)"
        case .unterminatedQuote(let line):
            return "line \(line): a quoted field is never closed (missing '\"')"
        case .textAfterClosingQuote(let line):
            return "line \(line): unexpected text after a closing quote; double a quote inside a quoted field (\"\")"
        case .invalidUTF8(let line):
            return "line \(line): the text is not valid UTF-8"
        case .duplicateColumn(let name):
            return "the column name '\(name)' appears twice"
        case .emptyColumnName(let column):
            return "column \(column) of the header has no name"
        case .columnLengthMismatch(let name, let expected, let found):
            return "column '\(name)' has \(found) entries, expected \(expected)"
        case .unknownColumn(let name, let suggestion, let available):
            if let suggestion { return "no column named '\(name)'; did you mean '\(suggestion)'?" }
            return "no column named '\(name)'; the columns are: \(available.joined(separator: ", "))"
        case .notNumeric(let column, let line, let value):
            return "line \(line): column '\(column)' must be numeric but holds '\(value)'"
        case .levelNotListed(let column, let label):
            return "the level order given for '\(column)' does not list '\(label)', which occurs in the data"
        case .duplicateLevel(let column, let label):
            return "the level order given for '\(column)' lists '\(label)' twice"
        case .conflictingColumnOptions(let column):
            return "column '\(column)' is asked to be both numeric and categorical; choose one"
        case .tooManyRows(let count):
            return "the file has \(count) data rows; at most \(Int32.max) are supported"
        }
    }
}
