/// What a formula selects from a data frame, in the form the fitters consume:
/// the response y, the fixed-effect matrix X and the random-effect terms.
///
/// Rows with a missing value in any variable the formula uses are dropped first
/// (listwise deletion, as R's default `na.action = na.omit`); `droppedRows` counts them.
public struct ModelDesign: Sendable {
    /// The formula as parsed, printed back in canonical form.
    public var formula: String
    public var responseName: String
    /// The response y, one entry per kept row.
    public var response: [Double]
    /// The fixed-effect model matrix X (n × p) and its column names.
    public var fixedEffects: FixedEffectsMatrix
    /// Random-effect terms, sorted as the fitter needs them: by number of levels, largest
    /// first, exactly as lme4's `mkReTrms` orders them: terms already in non-increasing order
    /// keep their order; otherwise they take the reverse of the stable increasing order
    /// (`rev(order(nl))`), so terms with equal numbers of levels end up in reverse order of
    /// appearance. Written order: left to right; `(1 | a/b)` gives `b:a` then `a`; `(1 + x || g)`
    /// gives `(1 | g)` then `(0 + x | g)`.
    public var randomEffects: [RandomEffectTerm]
    /// Rows dropped because a variable the formula uses is missing there.
    public var droppedRows: Int
    /// Indices (0-based, in the data frame) of the rows kept.
    public var keptRows: [Int]
    /// Messages a user should see (aliased columns dropped, ...).
    public var warnings: [String]
    /// The offset o (a known part of the linear predictor, Xβ + Zb + o): the sum of the
    /// formula's `offset(...)` terms and the ``DesignOptions/offset`` column; nil when there is none.
    public var offset: [Double]? = nil
    /// Prior weights wᵢ > 0 (``DesignOptions/weights``): the residual variance of row i is σ²/wᵢ,
    /// as lme4's `weights =`; nil for all 1.
    public var weights: [Double]? = nil
    /// Whether the response was written `cbind(successes, failures)`: y is then the proportion of
    /// successes and the weights include the trials (R's binomial `initialize`), which only a
    /// binomial model can fit.
    public var responseIsBinomialProportion = false
    /// What the formula's variables learned from the data (polynomial coefficients, spline knots,
    /// centres and scales, factor levels), for prediction on new data.
    public var transformations = StoredTransformations()

    /// y − o, the response the fitters see.
    public var responseLessOffset: [Double] {
        guard let offset else { return response }
        return zip(response, offset).map { $0 - $1 }
    }

    /// Number of observations n.
    public var nobs: Int { response.count }
    /// Total number of random effects q = Σₖ ℓₖ Sₖ.
    public var q: Int { randomEffects.reduce(0) { $0 + $1.levelCount * $1.dimension } }
}

/// The fixed-effect model matrix X, built as R's `model.matrix` builds it.
public struct FixedEffectsMatrix: Sendable {
    /// Column names in R's spelling: `(Intercept)`, `Days`, `serviceY`, `a1:x`.
    public var names: [String]
    /// n × p, column-major.
    public var matrix: Matrix
    /// Columns dropped because they are linear combinations of earlier ones.
    public var aliased: [String]
    /// R's `term.labels` of the fixed part (`Days`, `recipe:temp`; the intercept is not a term).
    public var terms: [String] = []
    /// R's `assign`: for each column, the 1-based index into `terms` of the term it codes, 0 for
    /// the intercept (aliased columns dropped with their entries).
    public var assign: [Int] = []

    public var p: Int { names.count }
}

/// One random-effect term `(z₁ + … + z_S | g)`: a grouping factor with ℓ levels and S
/// model-matrix columns, giving ℓ·S random effects with an S × S covariance per level.
///
/// Row i of the data contributes z_i (S values) to the effects of level `codes[i]`.
public struct RandomEffectTerm: Sendable {
    /// The grouping factor's name as lme4 prints it: `Subject`, `cask:batch`.
    public var group: String
    /// Level labels, in the order of the conditional modes.
    public var levels: [String]
    /// Level index of each row, 0..<levels.count.
    public var codes: [Int32]
    /// Names of the S columns: `(Intercept)`, `Days`.
    public var columnNames: [String]
    /// S × n, column-major: the S values of row i are contiguous, `z[s, i]`.
    public var z: Matrix
    /// Whether the S effects of a level are correlated (false only for S = 1 terms that came
    /// from splitting an `||` term, where it makes no difference to the model).
    public var correlated: Bool
    /// glmmTMB's covariance structure of the term, nil for lme4's unstructured covariance.
    public var structure: CovarianceStructureKind? = nil
    /// The coordinates of each column for `ou`, `exp`, `gau` and `mat` (the distinct values, or
    /// `numFactor` points, of the term's variable); empty otherwise.
    public var coordinates: [[Double]] = []

    /// ℓ, the number of levels.
    public var levelCount: Int { levels.count }
    /// S, the number of columns.
    public var dimension: Int { columnNames.count }
}
