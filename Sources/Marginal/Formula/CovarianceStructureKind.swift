/// glmmTMB's covariance structures a random-effect term can ask for, written as a call around
/// the term: `ar1(time + 0 | id)` (Brooks et al. 2017; glmmTMB's vignette "Covariance
/// structures with glmmTMB"). A term without one is lme4's unstructured `(x | g)`.
///
/// - `diag(x | g)`: independent effects, one variance per column.
/// - `cs(x | g)`: one variance per column and one common correlation.
/// - `toep(t + 0 | g)`: one variance per time and one correlation per lag.
/// - `ar1(t + 0 | g)`: one variance, correlation ρ^|i−j| between the i-th and j-th times, which
///   are taken as equally spaced whatever their values.
/// - `ou(t + 0 | g)`: one variance, correlation exp(−κ|t − t′|) over the times' values (any gaps).
/// - `exp(x + 0 | g)`, `gau(x + 0 | g)`: one variance, correlation exp(−d/r) or exp(−(d/r)²) over
///   the distance d between positions.
/// - `mat(x + 0 | g)`: one variance, the Matérn correlation with range and smoothness both
///   estimated.
///
/// For all but `diag` and `cs` the term names one variable, without an intercept, and gets one
/// column per distinct value of it (glmmTMB: a factor for `ar1`/`toep`, a `numFactor` for the
/// kernels); for `ou`, `exp`, `gau` and `mat` the variable is numeric and its values are the
/// coordinates, or glmmTMB's `numFactor(x, y, …)` for points in several dimensions
/// (`exp(numFactor(x, y) + 0 | g)`; `ou` is for one-dimensional times).
public enum CovarianceStructureKind: String, Sendable, CaseIterable, Codable {
    case diag, cs, toep, ar1, ou, exp, gau, mat

    /// Whether the term's columns are the indicators of the distinct values of one variable.
    var indexesValues: Bool { self != .diag && self != .cs }

    /// Whether one SD serves every column (`ar1`, `ou`, `exp`, `gau`).
    var sharesOneStandardDeviation: Bool { self == .ar1 || usesCoordinates }

    /// Whether the distinct values are coordinates (numeric, with distances between them).
    var usesCoordinates: Bool { self == .ou || self == .exp || self == .gau || self == .mat }
}
