/// How one CSV column is to be read, resolved from ``CSVOptions``.
enum ColumnRequest: Sendable, Equatable {
    /// Numeric if every non-missing value is a number, otherwise categorical (R's rule).
    case inferred
    /// Numeric; a value that is not a number is an error.
    case numeric
    /// Categorical with the given level order, or R's default order when `nil`.
    case categorical(levelOrder: [String]?)

    /// The request for each of `names`, after checking that every column named in `options`
    /// exists and that no column is asked to be both numeric and categorical.
    static func resolve(_ options: CSVOptions, names: [String]) throws(DataError) -> [ColumnRequest] {
        let known = Set(names)
        let mentioned = options.factorColumns.union(options.numericColumns).union(options.levelOrders.keys)
        for name in mentioned.sorted() where !known.contains(name) {
            throw .unknownColumn(name: name, suggestion: closestName(to: name, among: names), available: names)
        }
        let categorical = options.factorColumns.union(options.levelOrders.keys)
        if let both = options.numericColumns.intersection(categorical).sorted().first {
            throw .conflictingColumnOptions(column: both)
        }
        return names.map { name in
            if options.numericColumns.contains(name) { return .numeric }
            if let order = options.levelOrders[name] { return .categorical(levelOrder: order) }
            if options.factorColumns.contains(name) { return .categorical(levelOrder: nil) }
            return .inferred
        }
    }
}
