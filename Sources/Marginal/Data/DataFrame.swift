/// A column-oriented table: named columns of equal length.
public struct DataFrame: Sendable, Equatable {
    public private(set) var names: [String]
    public private(set) var columns: [Column]

    /// Number of rows.
    public var rowCount: Int { columns.first?.count ?? 0 }

    public init() {
        names = []
        columns = []
    }

    /// Creates a frame from (name, column) pairs; names must be distinct and columns of equal length.
    public init(_ pairs: [(String, Column)]) throws(DataError) {
        self.init()
        for (name, column) in pairs { try append(name, column) }
    }

    /// Appends a column.
    public mutating func append(_ name: String, _ column: Column) throws(DataError) {
        if names.contains(name) { throw .duplicateColumn(name) }
        if let first = columns.first, first.count != column.count {
            throw .columnLengthMismatch(name: name, expected: first.count, found: column.count)
        }
        names.append(name)
        columns.append(column)
    }

    /// Replaces the column called `name`.
    public mutating func replace(_ name: String, with column: Column) throws(DataError) {
        guard let index = names.firstIndex(of: name) else { throw unknownColumn(name) }
        guard column.count == rowCount else {
            throw .columnLengthMismatch(name: name, expected: rowCount, found: column.count)
        }
        columns[index] = column
    }

    /// The column called `name`, or an error that suggests the closest existing name.
    public func column(_ name: String) throws(DataError) -> Column {
        guard let index = names.firstIndex(of: name) else { throw unknownColumn(name) }
        return columns[index]
    }

    /// The unknown-column error for `name`, with the closest existing name as a suggestion.
    public func unknownColumn(_ name: String) -> DataError {
        .unknownColumn(name: name, suggestion: closestName(to: name, among: names), available: names)
    }
}
