/// A variable of a model frame: a column (`Days`) or an arithmetic expression of columns
/// (`log(Days + 1)`, `I(Days^2)`), named by its R spelling.
struct TermVariable: Sendable, Equatable {
    /// The name used in model-matrix column names: the expression as R deparses it.
    var label: String
    var expression: FormulaExpression

    /// The column name when the variable is a bare column, else nil.
    var columnName: String? {
        if case .name(let name, _, _) = expression { return name }
        return nil
    }
}

/// One side of a model-matrix formula in the form of R's `terms()`: an intercept flag and a
/// list of terms, each a set of variables.
///
/// Variables are numbered in order of first appearance in the formula; a term lists its
/// variables in that order (so `b:a` after `b` has been seen is the term {b, a}, printed
/// `b:a`). Terms are ordered by degree (main effects, then two-way interactions, ...),
/// and by first appearance within a degree, as R orders them.
struct TermList: Sendable, Equatable {
    var intercept: Bool
    var variables: [TermVariable]
    /// Each term: ascending indices into `variables`.
    var terms: [[Int]]

    /// R's term labels: `Days`, `a:x`.
    var termLabels: [String] {
        terms.map { term in term.map { variables[$0].label }.joined(separator: ":") }
    }

    /// Indices of the variables that some term uses, ascending.
    var usedVariables: [Int] {
        Array(Set(terms.flatMap { $0 })).sorted()
    }
}

/// A random-effect term as written, before it meets the data: `(1 + Days | Subject)`.
///
/// One written term may give several model terms: `(1 | a/b)` gives `(1 | b:a)` and
/// `(1 | a)`, and `(1 + x || g)` gives one uncorrelated term per model-matrix column.
struct RandomTermSpec: Sendable, Equatable {
    /// The left-hand side, read as a model formula of its own (`1 + Days`; `0 + f`).
    var lhs: TermList
    /// The grouping factors, after expanding `/`, in lme4's order (`a/b` → `b:a`, `a`).
    var groupings: [GroupingFactor]
    /// False for `||`: the columns get separate, uncorrelated terms.
    var correlated: Bool
    /// glmmTMB's structure around the term (`ar1(time + 0 | id)`), nil for lme4's unstructured term.
    var structure: CovarianceStructureKind? = nil
    /// Where the term is in the formula.
    var span: SourceSpan
}
