import Foundation

/// The hypothesis that one fixed-effect term is null: H₀: Lβ = 0 with L (q × p) on the fit's β.
public struct TermHypothesis: Sendable {
    /// R's term label: `recipe`, `recipe:temp`.
    public var term: String
    /// L, q × p; q = 0 when no column of the term can be tested (lmerTest then prints NA).
    public var contrast: Matrix
}

/// Why the hypotheses of the fixed-effect terms cannot be formed.
public enum TermHypothesisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A least-squares step of the construction failed (a rank deficient coding).
    case singular(String)

    public var description: String {
        switch self {
        case .singular(let what): "the Type III hypotheses cannot be formed: \(what) is rank deficient"
        }
    }
}

extension ModelDesign {
    /// The Type III hypothesis of each fixed-effect term, as lmerTest's `anova(m)` forms them
    /// (`get_contrasts_type3`; Kuznetsova, Brockhoff & Christensen 2017, *J. Stat. Softw.* 82(13),
    /// §4.1; Goodnight 1980, *Am. Stat.* 34, for SAS's Type III).
    ///
    /// With X the fixed-effect matrix under treatment contrasts (aliased columns dropped) and R the
    /// overparameterized matrix (the intercept, then each term with every factor coded by all its
    /// levels), the rows of L̃ = (X⁺R)ᵀ express each column of R in X's coefficients. Taking the
    /// terms from the highest order down, the columns of L̃ for a term are replaced by their residuals
    /// after projection on the columns of the terms that contain it (a term contains another when it
    /// has all its variables and more, and the same numeric covariates, counting the variables
    /// R's `terms()` marks 1, ``marginalVariables(_:)``). The hypothesis of a term is
    /// then its columns of L̃, read on the rows of R that are columns of X, and its rows that are not
    /// zero. When the fit's contrasts are not all treatment, L is carried to the fit's coefficients
    /// by X⁺X_fit. As lmerTest, a model with a single term (or a single column) gets the Type I
    /// hypotheses instead, the term's rows of D⁻¹U from XᵀX = UᵀU (Doolittle's decomposition).
    ///
    /// `data` and `options` are those the design was built from.
    public func typeIIIHypotheses(formula: Formula, data: DataFrame, options: DesignOptions) throws -> [TermHypothesis] {
        let (terms, frame) = try Self.termsAndFrame(formula, data: data, options: options)
        let fixed = terms.fixed
        let labels = fixed.termLabels
        let p = fixedEffects.p
        let n = nobs
        let columns = (0..<p).map { j in Array(fixedEffects.matrix.elements[(j * n)..<((j + 1) * n)]) }
        guard p > 1, labels.count > 1 else { return try typeIHypotheses(columns, intercept: fixed.intercept) }

        var learned = StoredTransformations()
        let values = try Self.frameVariables(fixed, frame: frame, options: options, learned: &learned)
        // X under treatment contrasts, full rank, with its assign.
        let builder = ModelMatrixBuilder(terms: fixed, values: values, rowCount: frame.rowCount, contrast: { _ in .treatment })
        let (allNames, allColumns) = builder.build()
        let allAssign = builder.assign
        let aliased = Set(AliasedColumns.find(in: allColumns, tolerance: 1e-7))
        let keep = allColumns.indices.filter { !aliased.contains($0) }
        let (names, x, assign) = (keep.map { allNames[$0] }, keep.map { allColumns[$0] }, keep.map { allAssign[$0] })
        // R: the intercept, then each term with every factor coded by indicators of all its levels.
        var rNames = fixed.intercept ? ["(Intercept)"] : []
        var r = fixed.intercept ? [[Double](repeating: 1, count: frame.rowCount)] : []
        for term in fixed.terms {
            let single = TermList(intercept: false, variables: fixed.variables, terms: [term])
            let (termNames, termColumns) = ModelMatrixBuilder(terms: single, values: values, rowCount: frame.rowCount, contrast: { _ in .treatment }).build()
            rNames += termNames
            r += termColumns
        }
        guard let coefficients = LeastSquares.solve(x, r) else { throw TermHypothesisError.singular("the treatment-coded X") }
        // L̃: one row per column of R, one column per column of X (here stored by columns of X).
        var l = Self.zapSmall((0..<x.count).map { j in coefficients.map { $0[j] } })
        let termColumns = labels.indices.map { t in assign.indices.filter { assign[$0] == t + 1 } }
        let marginal = Self.marginalVariables(fixed)
        let numeric = marginal.map { $0.filter { if case .numeric? = values[$0] { true } else { false } } }
        let order = fixed.terms.indices.sorted { (-fixed.terms[$0].count, $0) < (-fixed.terms[$1].count, $1) }
        for t in order {
            let containing = fixed.terms.indices.filter { u in
                marginal[t].isStrictSubset(of: marginal[u]) && numeric[t] == numeric[u]
            }
            guard !containing.isEmpty, !termColumns[t].isEmpty else { continue }
            let basis = containing.flatMap { termColumns[$0] }.map { l[$0] }
            guard let residuals = LeastSquares.residuals(of: termColumns[t].map { l[$0] }, on: basis) else {
                throw TermHypothesisError.singular("the contrasts of the terms containing \(labels[t])")
            }
            for (j, column) in zip(termColumns[t], Self.zapSmall(residuals)) { l[j] = column }
        }
        // The rows of R that are X's columns (same name), and the map to the fit's coefficients.
        let rowOfColumn = names.map { name in rNames.firstIndex(of: name) }
        guard rowOfColumn.allSatisfy({ $0 != nil }) else { throw TermHypothesisError.singular("the overparameterized X") }
        let codings = values.compactMap { index, value in value.isFactor ? options.fixedContrast(fixed.variables[index].columnName) : nil }
        var map: [[Double]]? = nil
        if !codings.allSatisfy({ $0 == .treatment }) {
            guard let toFit = LeastSquares.solve(x, columns) else { throw TermHypothesisError.singular("the fit's X") }
            map = Self.zapSmall(toFit)
        }
        return labels.indices.map { t in
            var rows = termColumns[t].map { j in rowOfColumn.map { l[j][$0 ?? 0] } }.filter { $0.reduce(0) { $0 + abs($1) } > 1e-8 }
            if let map { rows = rows.map { row in map.map { column in zip(row, column).reduce(0) { $0 + $1.0 * $1.1 } } } }
            return TermHypothesis(term: labels[t], contrast: Self.matrix(rows: rows, columns: p))
        }
    }

    /// The variables of each term that R's `terms()` marks 1 in its `factors` attribute (those
    /// lmerTest's containment compares): a variable whose removal leaves nothing, or leaves a set
    /// of variables that an earlier term has; the others (marked 2, coded by indicators) are left out.
    static func marginalVariables(_ terms: TermList) -> [Set<Int>] {
        terms.terms.enumerated().map { index, term in
            Set(term.filter { variable in
                let rest = Set(term).subtracting([variable])
                return rest.isEmpty || terms.terms[..<index].contains { rest.isSubset(of: Set($0)) }
            })
        }
    }

    /// lmerTest's Type I hypotheses (`get_contrasts_type1`): with XᵀX = UᵀU (U upper triangular,
    /// Cholesky), the rows of D⁻¹U (D = diag U, Doolittle's unit-diagonal factor) that belong to each
    /// term. None for an intercept-only X.
    private func typeIHypotheses(_ columns: [[Double]], intercept: Bool) throws -> [TermHypothesis] {
        let p = columns.count
        guard p > 0, !(p == 1 && intercept) else { return [] }
        var u = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)   // u[i][j], i ≤ j
        for j in 0..<p {
            for i in 0...j {
                var sum = zip(columns[i], columns[j]).reduce(0) { $0 + $1.0 * $1.1 }
                for k in 0..<i { sum -= u[k][i] * u[k][j] }
                if i == j {
                    guard sum > 0 else { throw TermHypothesisError.singular("XᵀX") }
                    u[i][j] = sum.squareRoot()
                } else {
                    u[i][j] = sum / u[i][i]
                }
            }
        }
        let rows = u.indices.map { i in u[i].map { $0 / u[i][i] } }
        return fixedEffects.terms.indices.map { t in
            let mine = fixedEffects.assign.indices.filter { fixedEffects.assign[$0] == t + 1 }.map { rows[$0] }
            return TermHypothesis(term: fixedEffects.terms[t], contrast: Self.matrix(rows: mine, columns: p))
        }
    }

    /// R's `zapsmall(x, digits = 7)` over all the columns together: every value rounded to
    /// 7 − ⌈log₁₀ max|x|⌉ decimals (no fewer than 0), so that rounding noise becomes 0.
    static func zapSmall(_ columns: [[Double]]) -> [[Double]] {
        let largest = columns.joined().reduce(0) { max($0, abs($1)) }
        guard largest > 0, largest.isFinite else { return columns }
        let scale = pow(10, Double(max(0, 7 - Int(ceil(log10(largest))))))
        return columns.map { $0.map { ($0 * scale).rounded() / scale } }
    }

    /// The q × p matrix of these rows.
    private static func matrix(rows: [[Double]], columns p: Int) -> Matrix {
        Matrix(rows: rows.count, columns: p, elements: (0..<p).flatMap { j in rows.map { $0[j] } })
    }
}
