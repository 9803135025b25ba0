import Foundation

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
    /// - A glmmTMB structure keeps its term whole: `diag` and `cs` over the lhs's columns, the
    ///   others over one indicator per distinct value of their variable (``CovarianceStructureKind``).
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
            if let structure = spec.structure, structure.indexesValues {
                let (names, columns, coordinates) = try valueIndicators(spec, structure: structure, values: values, frame: frame)
                for (grouping, factor) in groupings {
                    terms.append(RandomEffectTerm(
                        group: grouping.name, levels: factor.levels, codes: factor.codes, columnNames: names,
                        z: transposed(columns, rows: frame.rowCount), correlated: true,
                        structure: structure, coordinates: coordinates))
                }
                continue
            }
            for piece in spec.correlated ? [spec.lhs] : doubleBarPieces(spec.lhs) {
                let builder = ModelMatrixBuilder(terms: piece, values: values, rowCount: frame.rowCount,
                                                 contrast: { options.randomContrast(piece.variables[$0].columnName) })
                let (names, columns) = builder.build()
                guard !columns.isEmpty else { continue }
                if spec.structure == .cs, columns.count < 2 {
                    throw FormulaError(.covarianceStructureTooSmall(structure: "cs", columns: columns.count), formula: frame.formula, span: spec.span)
                }
                for (grouping, factor) in groupings {
                    terms.append(RandomEffectTerm(
                        group: grouping.name,
                        levels: factor.levels,
                        codes: factor.codes,
                        columnNames: names,
                        z: transposed(columns, rows: frame.rowCount),
                        correlated: spec.structure != .diag && (spec.correlated || columns.count > 1),
                        structure: spec.structure))
                }
            }
        }
        return lme4Order(terms)
    }

    /// The columns of a structure over the distinct values of one variable (`ar1(time + 0 | id)`):
    /// one indicator per value, named `time1`, `time2`, … as R names a factor's indicators. A
    /// factor's values are its levels in order; a numeric variable's are its distinct values,
    /// increasing, which are also the coordinates of `ou`, `exp`, `gau` and `mat`; glmmTMB's
    /// `numFactor(x, y)` gives points of several dimensions (distinct points in lexicographic
    /// order, named `numFactor(x, y)(1,2)`).
    private static func valueIndicators(
        _ spec: RandomTermSpec, structure: CovarianceStructureKind, values: [Int: FrameVariable], frame: ModelFrame
    ) throws(FormulaError) -> (names: [String], columns: [[Double]], coordinates: [[Double]]) {
        let index = spec.lhs.terms[0][0]
        let variable = spec.lhs.variables[index]
        let fail = { (kind: FormulaError.Kind) in FormulaError(kind, formula: frame.formula, span: spec.span) }
        let n = frame.rowCount
        var labels: [String] = [], codes: [Int] = [], points: [[Double]] = []
        switch values[index] {
        case .factor(let factor):
            if structure.usesCoordinates { throw fail(.coordinatesNotNumeric(structure: structure.rawValue, variable: variable.label)) }
            labels = factor.levels
            codes = factor.codes.map { Int($0) }
        case .numeric(let x):
            points = x.map { [$0] }
        case .basis(let columns):
            guard case .call(FormulaParser.numFactorFunction, _, _) = variable.expression else {
                throw fail(.covarianceStructureNeedsOneVariable(structure.rawValue))
            }
            if structure == .ou, columns.count > 1 { throw fail(.coordinatesNotOneDimensional(structure: "ou", dimensions: columns.count)) }
            points = (0..<n).map { i in columns.map { $0[i] } }
        case nil:
            throw fail(.covarianceStructureNeedsOneVariable(structure.rawValue))
        }
        let coordinates = Array(Set(points)).sorted { $0.lexicographicallyPrecedes($1) }
        if !points.isEmpty {
            let position = Dictionary(uniqueKeysWithValues: coordinates.enumerated().map { ($1, $0) })
            codes = points.map { position[$0] ?? 0 }
            labels = coordinates.map { $0.count == 1 ? rNumberLabel($0[0]) : "(\($0.map(rNumberLabel).joined(separator: ",")))" }
        }
        guard labels.count >= 2 else { throw fail(.covarianceStructureTooSmall(structure: structure.rawValue, columns: labels.count)) }
        // The term's columns are dense S × n (one indicator per distinct value), twice while built.
        let bytes = 16 * Double(labels.count) * Double(n), available = Double(ProcessInfo.processInfo.physicalMemory) / 2
        guard bytes <= available else {
            throw fail(.covarianceStructureTooLarge(structure: structure.rawValue, columns: labels.count, rows: n, bytes: bytes, available: available))
        }
        var columns = [[Double]](repeating: [Double](repeating: 0, count: n), count: labels.count)
        for (i, code) in codes.enumerated() { columns[code][i] = 1 }
        return (labels.map { variable.label + $0 }, columns, structure.usesCoordinates ? coordinates : [])
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
