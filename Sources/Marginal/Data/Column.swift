/// One column of a ``DataFrame``: numbers or category labels, each entry possibly missing.
public enum Column: Sendable, Equatable {
    case numeric(NumericColumn)
    case categorical(CategoricalColumn)

    /// Number of entries (rows).
    public var count: Int {
        switch self {
        case .numeric(let column): column.values.count
        case .categorical(let column): column.codes.count
        }
    }

    /// Whether entry `row` is missing (`NA` or an empty field in a CSV file).
    public func isMissing(_ row: Int) -> Bool {
        switch self {
        case .numeric(let column): column.missing[row]
        case .categorical(let column): column.codes[row] < 0
        }
    }
}

/// A numeric column. Missing entries are flagged in `missing`; their `values` slot holds NaN.
///
/// A literal `NaN` or `Inf` in the data is a value, not a missing entry: fitters reject it
/// with an error rather than dropping the row.
public struct NumericColumn: Sendable, Equatable {
    public var values: [Double]
    public var missing: [Bool]

    public init(values: [Double], missing: [Bool]) {
        precondition(values.count == missing.count, "values and missing flags differ in length")
        self.values = values
        self.missing = missing
    }

    /// A column without missing entries.
    public init(_ values: [Double]) {
        self.init(values: values, missing: Array(repeating: false, count: values.count))
    }
}

/// A categorical column (an R factor): integer codes into `levels`, −1 for a missing entry.
///
/// The order of `levels` matters: the first level is the reference level of treatment
/// contrasts, and conditional modes are reported in level order.
public struct CategoricalColumn: Sendable, Equatable {
    public var codes: [Int32]
    public var levels: [String]

    public init(codes: [Int32], levels: [String]) {
        self.codes = codes
        self.levels = levels
    }

    /// Builds a column from labels (`nil` = missing) with levels sorted as R sorts a factor's
    /// levels: numerically when every label is a number, lexicographically otherwise.
    public init(labels: [String?]) {
        var index: [String: Int32] = [:]
        var firstSeen: [String] = []
        for case let label? in labels where index[label] == nil {
            index[label] = Int32(firstSeen.count)
            firstSeen.append(label)
        }
        let sorted = CategoricalColumn.defaultLevelOrder(firstSeen)
        var rank: [String: Int32] = [:]
        for (position, label) in sorted.enumerated() { rank[label] = Int32(position) }
        self.levels = sorted
        self.codes = labels.map { label in label.flatMap { rank[$0] } ?? -1 }
    }

    /// R's default level order: numeric order when every label parses as a number
    /// (as for `factor()` of a numeric vector), otherwise lexicographic by Unicode scalars.
    ///
    /// Numerically equal labels (`1.5`, `1.50`) are ordered lexicographically among themselves,
    /// and `NaN` labels come last, so the order is total and does not depend on the input order.
    public static func defaultLevelOrder(_ labels: [String]) -> [String] {
        let numbers = labels.compactMap { Double($0) }
        if !labels.isEmpty, numbers.count == labels.count {
            return zip(labels, numbers).sorted { a, b in
                if a.1.isNaN != b.1.isNaN { return b.1.isNaN }
                if a.1 != b.1 && !a.1.isNaN { return a.1 < b.1 }
                return lexicographicallyPrecedes(a.0, b.0)
            }.map(\.0)
        }
        return labels.sorted(by: lexicographicallyPrecedes)
    }

    private static func lexicographicallyPrecedes(_ a: String, _ b: String) -> Bool {
        a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars)
    }

    /// The same data with levels in the given order; every present label must be listed.
    public func reordered(levels newOrder: [String]) -> CategoricalColumn? {
        var position: [String: Int32] = [:]
        for (i, label) in newOrder.enumerated() { position[label] = Int32(i) }
        var map = [Int32](repeating: -1, count: levels.count)
        for (old, label) in levels.enumerated() {
            guard let new = position[label] else { return nil }
            map[old] = new
        }
        return CategoricalColumn(codes: codes.map { $0 < 0 ? -1 : map[Int($0)] }, levels: newOrder)
    }
}
