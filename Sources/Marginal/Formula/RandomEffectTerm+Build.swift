extension ModelDesign {
    /// The random-effect terms of a formula, ready for a fitter.
    ///
    /// - Each term's left-hand side is a model formula of its own, turned into its S columns
    ///   by ``ModelMatrixBuilder`` (default contrasts, polynomial for ordered factors), as lme4
    ///   does with `model.matrix`.
    /// - The grouping factor is categorical whatever the column holds (numbers become levels,
    ///   as `factor()` makes them), without levels unused in the kept rows. A factor with a
    ///   single level is allowed (lme4 refuses it); ``init(formula:data:options:)`` warns.
    /// - `(lhs || g)` is split by the terms of lhs, as lme4's `expandDoubleVerts` splits it:
    ///   `(1 | g)` for the intercept, then `(0 + t | g)` for each term t, each with its own model
    ///   matrix. A numeric term gives one column; a factor keeps its columns together in one
    ///   correlated term, coded without an intercept (one indicator per level): lme4 fits
    ///   `score ~ Machine + (Machine || Worker)` as `(1 | Worker) + (0 + Machine | Worker)`.
    /// - `/` in the grouping gives one term per nesting level.
    /// - Order: as lme4's `mkReTrms`: when the numbers of levels are not already non-increasing,
    ///   the terms are put in the reverse of the stable increasing order of their numbers of
    ///   levels (`rev(order(nl))`), so ties end up in reverse order of appearance.
    static func randomEffectTerms(
        _ specs: [RandomTermSpec], frame: ModelFrame, options: DesignOptions, learned: inout StoredTransformations
    ) throws(FormulaError) -> [RandomEffectTerm] {
        var groupingCache: [String: CategoricalColumn] = [:]
        var terms: [RandomEffectTerm] = []
        for spec in specs {
            let values = try frameVariables(spec.lhs, frame: frame, options: options, learned: &learned)
            var groupings: [(GroupingFactor, CategoricalColumn)] = []
            for grouping in spec.groupings {
                groupings.append((grouping, groupingFactor(grouping, frame: frame, cache: &groupingCache)))
            }
            for piece in spec.correlated ? [spec.lhs] : doubleBarPieces(spec.lhs) {
                let builder = ModelMatrixBuilder(terms: piece, values: values, rowCount: frame.rowCount,
                                                 contrast: { options.randomContrast(piece.variables[$0].columnName) })
                let (names, columns) = builder.build()
                guard !columns.isEmpty else { continue }
                for (grouping, factor) in groupings {
                    terms.append(RandomEffectTerm(
                        group: grouping.name,
                        levels: factor.levels,
                        codes: factor.codes,
                        columnNames: names,
                        z: transposed(columns, rows: frame.rowCount),
                        correlated: spec.correlated || columns.count > 1))
                }
            }
        }
        return lme4Order(terms)
    }

    /// The parts of `(lhs || g)`: the intercept alone, then each term without an intercept.
    static func doubleBarPieces(_ lhs: TermList) -> [TermList] {
        (lhs.intercept ? [TermList(intercept: true, variables: lhs.variables, terms: [])] : [])
            + lhs.terms.map { TermList(intercept: false, variables: lhs.variables, terms: [$0]) }
    }

    /// lme4's order of terms (see ``randomEffectTerms(_:frame:options:learned:)``).
    static func lme4Order(_ terms: [RandomEffectTerm]) -> [RandomEffectTerm] {
        let counts = terms.map(\.levelCount)
        let alreadyOrdered = zip(counts, counts.dropFirst()).allSatisfy { $0 >= $1 }
        if alreadyOrdered { return terms }
        let increasing = terms.indices.sorted { (counts[$0], $0) < (counts[$1], $1) }
        return increasing.reversed().map { terms[$0] }
    }

    /// The levels and codes of a grouping factor on the kept rows. An interaction's levels are
    /// the combinations that occur, the left factor varying slowest, labelled `left:right`.
    /// Every factor and sub-factor is built once, kept in `cache` by name: `a/b/c/…` nests each
    /// factor in the previous one, and rebuilding them all from the columns each time took time
    /// quadratic in the nesting (a fuzzed 750-level nesting took 12 s).
    static func groupingFactor(
        _ grouping: GroupingFactor, frame: ModelFrame, cache: inout [String: CategoricalColumn]
    ) -> CategoricalColumn {
        let key = grouping.name
        if let cached = cache[key] { return cached }
        let factor: CategoricalColumn
        switch grouping {
        case .column(let name, _):
            factor = frame.factor(name) ?? CategoricalColumn(codes: [], levels: [])
        case .interaction(let left, let right):
            let l = groupingFactor(left, frame: frame, cache: &cache)
            let r = groupingFactor(right, frame: frame, cache: &cache)
            let width = Int64(r.levels.count)
            let combined = zip(l.codes, r.codes).map { Int64($0) * width + Int64($1) }
            let used = Array(Set(combined)).sorted()
            var code: [Int64: Int32] = [:]
            for (index, value) in used.enumerated() { code[value] = Int32(index) }
            let levels = used.map { "\(l.levels[Int($0 / width)]):\(r.levels[Int($0 % width)])" }
            factor = CategoricalColumn(codes: combined.map { code[$0] ?? -1 }, levels: levels)
        }
        cache[key] = factor
        return factor
    }

    /// S columns of length n as an S × n matrix (row i's S values contiguous).
    private static func transposed(_ columns: [[Double]], rows n: Int) -> Matrix {
        let s = columns.count
        var z = Matrix(rows: s, columns: n)
        for (index, column) in columns.enumerated() {
            for i in 0..<n { z.elements[index + i * s] = column[i] }
        }
        return z
    }
}
