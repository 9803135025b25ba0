/// Builds a model matrix from a ``TermList`` as R's `model.matrix` does.
///
/// - The intercept column `(Intercept)` comes first, then the columns of each term in order.
/// - A numeric variable gives one column named by its label.
/// - A factor in a term is coded either by contrasts (ℓ − 1 columns, see ``ContrastKind``) or
///   by indicators of all ℓ levels (named label + level). R's rule (`TermCode` in
///   `model.c`): a factor f in term T is coded by contrasts when T without f is empty or is
///   contained in a term before T; otherwise by indicators. When the model has no intercept,
///   the first factor of the first term that has one is coded by indicators instead.
///   So `~ x:f` gives `x:fA, x:fB, x:fC`, and `~ 0 + f` gives `fA, fB, fC`.
/// - The columns of an interaction are the products of its variables' columns, the first
///   variable varying fastest; names join with `:` (`fB:x`, `aq:bv`).
struct ModelMatrixBuilder {
    let terms: TermList
    /// The values of the variables the terms use, by variable index.
    let values: [Int: FrameVariable]
    let rowCount: Int
    /// The contrasts for the variable with a given index.
    let contrast: (Int) -> ContrastKind

    /// The number of columns ``build()`` makes, counted without building them.
    var columnCount: Double {
        termColumnCounts.reduce(terms.intercept ? 1.0 : 0, +)
    }

    /// R's `assign` attribute of the matrix ``build()`` makes: for each column, the 1-based index
    /// of the term it codes in `terms.terms` (R's `term.labels`), 0 for the intercept.
    var assign: [Int] {
        (terms.intercept ? [0] : []) + termColumnCounts.enumerated().flatMap { index, count in
            [Int](repeating: index + 1, count: Int(count))
        }
    }

    /// The columns of each term: the product over its variables of 1 (numeric), the columns of a
    /// basis, the levels (indicator-coded factor) or the levels less one (contrasts).
    private var termColumnCounts: [Double] {
        let indicatorCoding = indicatorCodedFactors()
        return terms.terms.enumerated().map { termIndex, term in
            term.reduce(1.0) { product, variable in
                if case .basis(let columns)? = values[variable] { return product * Double(columns.count) }
                guard case .factor(let factor)? = values[variable] else { return product }
                let levels = Double(factor.levels.count)
                return product * (indicatorCoding[termIndex].contains(variable) ? levels : levels - 1)
            }
        }
    }

    /// Column names and columns (each of length `rowCount`).
    func build() -> (names: [String], columns: [[Double]]) {
        var names: [String] = []
        var columns: [[Double]] = []
        if terms.intercept {
            names.append("(Intercept)")
            columns.append([Double](repeating: 1, count: rowCount))
        }
        let indicatorCoding = indicatorCodedFactors()
        for (termIndex, term) in terms.terms.enumerated() {
            var blockNames = [""]
            var blockColumns = [[Double](repeating: 1, count: rowCount)]
            var first = true
            for variable in term {
                let (variableNames, variableColumns) = factorColumns(
                    variable, indicators: indicatorCoding[termIndex].contains(variable))
                // The accumulated columns vary fastest: for each new column, all old ones.
                var newNames: [String] = []
                var newColumns: [[Double]] = []
                for (name, column) in zip(variableNames, variableColumns) {
                    for (oldName, oldColumn) in zip(blockNames, blockColumns) {
                        newNames.append(first ? name : "\(oldName):\(name)")
                        newColumns.append(first ? column : zip(oldColumn, column).map(*))
                    }
                }
                blockNames = newNames
                blockColumns = newColumns
                first = false
            }
            names += blockNames
            columns += blockColumns
        }
        return (names, columns)
    }

    /// For each term, the factor variables it codes by indicators rather than contrasts.
    func indicatorCodedFactors() -> [Set<Int>] {
        var result: [Set<Int>] = []
        for (index, term) in terms.terms.enumerated() {
            var indicators: Set<Int> = []
            for variable in term where values[variable]?.isFactor == true {
                let rest = Set(term).subtracting([variable])
                if rest.isEmpty { continue }
                let covered = terms.terms[..<index].contains { rest.isSubset(of: Set($0)) }
                if !covered { indicators.insert(variable) }
            }
            result.append(indicators)
        }
        if !terms.intercept {
            outer: for (index, term) in terms.terms.enumerated() {
                for variable in term where values[variable]?.isFactor == true {
                    result[index].insert(variable)
                    break outer
                }
            }
        }
        return result
    }

    /// The columns one variable contributes to a term, with their names.
    private func factorColumns(_ variable: Int, indicators: Bool) -> (names: [String], columns: [[Double]]) {
        let label = terms.variables[variable].label
        switch values[variable] {
        case .numeric(let x)?:
            return ([label], [x])
        case .basis(let columns)?:
            return (columns.indices.map { label + String($0 + 1) }, columns)
        case .factor(let factor)?:
            if indicators {
                let columns = factor.levels.indices.map { level in
                    factor.codes.map { Int($0) == level ? 1.0 : 0.0 }
                }
                return (factor.levels.map { label + $0 }, columns)
            }
            let kind = contrast(variable)
            let matrix = kind.matrix(levelCount: factor.levels.count)
            let suffixes = kind.columnSuffixes(levels: factor.levels)
            let columns = suffixes.indices.map { column in
                factor.codes.map { $0 >= 0 ? matrix[Int($0)][column] : .nan }
            }
            return (suffixes.map { label + $0 }, columns)
        case nil:
            return ([label], [[Double](repeating: .nan, count: rowCount)])
        }
    }
}
