/// A column-oriented table: named columns of equal length.
public struct DataFrame: Sendable, Equatable {
    public private(set) var names: [String]
    public private(set) var columns: [Column]
    /// The position of each name, so that lookups and appends are O(1) (with 100,000 columns a
    /// linear search per append made reading quadratic: 84 s for `describe`).
    private var position: [String: Int] = [:]

    public static func == (a: DataFrame, b: DataFrame) -> Bool { a.names == b.names && a.columns == b.columns }

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
        if position[name] != nil { throw .duplicateColumn(name) }
        if let first = columns.first, first.count != column.count {
            throw .columnLengthMismatch(name: name, expected: first.count, found: column.count)
        }
        position[name] = names.count
        names.append(name)
        columns.append(column)
    }

    /// Replaces the column called `name`.
    public mutating func replace(_ name: String, with column: Column) throws(DataError) {
        guard let index = position[name] else { throw unknownColumn(name) }
        guard column.count == rowCount else {
            throw .columnLengthMismatch(name: name, expected: rowCount, found: column.count)
        }
        columns[index] = column
    }

    /// The column called `name`, or an error that suggests the closest existing name.
    public func column(_ name: String) throws(DataError) -> Column {
        guard let index = position[name] else { throw unknownColumn(name) }
        return columns[index]
    }

    /// The unknown-column error for `name`, with the closest existing name as a suggestion.
    public func unknownColumn(_ name: String) -> DataError {
        .unknownColumn(name: name, suggestion: closestName(to: name, among: names), available: names)
    }
}
