/// The data restricted to the rows a formula can use (R's `model.frame` with `na.omit`):
/// a row is kept when none of the columns the formula names is missing there.
///
/// Factors read from the frame have the levels that do not occur in the kept rows removed,
/// as `model.frame(drop.unused.levels = TRUE)` and lme4 do.
struct ModelFrame {
    let data: DataFrame
    let formula: String
    /// Rows of `data` kept, ascending.
    let keptRows: [Int]

    var rowCount: Int { keptRows.count }

    /// Keeps the rows where none of `columns` is missing; errors when no row is left.
    init(data: DataFrame, formula: Formula, columns: [(name: String, span: SourceSpan)],
         responseColumns: [String], alsoComplete: [String] = []) throws(FormulaError) {
        self.data = data
        self.formula = formula.text
        var resolved: [(name: String, column: Column)] = []
        for (name, span) in columns {
            guard let index = data.names.firstIndex(of: name) else {
                let suggestion = closestName(to: name, among: data.names)
                throw FormulaError(.unknownColumn(name: name, suggestion: suggestion, available: data.names),
                                   formula: formula.text, span: span)
            }
            resolved.append((name, data.columns[index]))
        }
        for name in alsoComplete where !resolved.contains(where: { $0.name == name }) {
            if let index = data.names.firstIndex(of: name) { resolved.append((name, data.columns[index])) }
        }
        guard data.rowCount > 0 else { throw FormulaError(.noData, formula: formula.text) }
        keptRows = (0..<data.rowCount).filter { row in !resolved.contains { $0.column.isMissing(row) } }
        if keptRows.isEmpty {
            for (name, column) in resolved where responseColumns.contains(name) {
                if (0..<column.count).allSatisfy(column.isMissing) {
                    throw FormulaError(.responseAllMissing(name), formula: formula.text)
                }
            }
            let missing = resolved.map { name, column in
                FormulaError.MissingCount(column: name, rows: (0..<column.count).count(where: column.isMissing))
            }.filter { $0.rows > 0 }
            throw FormulaError(.noRowsLeft(missing: missing), formula: formula.text)
        }
    }

    /// The column called `name` (known to exist after `init`).
    func column(_ name: String) -> Column? {
        try? data.column(name)
    }

    /// A numeric column's values on the kept rows; nil when the column is categorical.
    func numericValues(_ name: String) -> [Double]? {
        guard case .numeric(let column)? = column(name) else { return nil }
        return keptRows.map { column.values[$0] }
    }

    /// The column on the kept rows as a factor without unused levels; a numeric column is
    /// first turned into a factor as R's `factor()` does.
    func factor(_ name: String) -> CategoricalColumn? {
        guard let column = column(name) else { return nil }
        let categorical = column.asCategorical()
        return Self.droppingUnusedLevels(codes: keptRows.map { categorical.codes[$0] }, levels: categorical.levels)
    }

    /// Renumbers codes onto the levels that occur, in their original order (a code outside
    /// the levels counts as missing).
    static func droppingUnusedLevels(codes: [Int32], levels: [String]) -> CategoricalColumn {
        var used = [Bool](repeating: false, count: levels.count)
        for code in codes where code >= 0 && Int(code) < levels.count { used[Int(code)] = true }
        var newCode = [Int32](repeating: -1, count: levels.count)
        var newLevels: [String] = []
        for (level, isUsed) in used.enumerated() where isUsed {
            newCode[level] = Int32(newLevels.count)
            newLevels.append(levels[level])
        }
        return CategoricalColumn(codes: codes.map { $0 >= 0 && Int($0) < levels.count ? newCode[Int($0)] : -1 },
                                 levels: newLevels)
    }

    /// The 1-based data row of kept row `index`, for messages.
    func dataRow(_ index: Int) -> Int { keptRows[index] + 1 }
}
