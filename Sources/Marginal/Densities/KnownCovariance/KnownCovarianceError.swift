/// Why a model with known random-effect covariances (``KnownCovarianceDensity``) cannot be set up.
public enum KnownCovarianceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The `--fix-sd` text is not `GROUP=SD,GROUP=SD,…`.
    case malformed(String, reason: String)
    /// A fixed SD names a grouping factor the model does not have.
    case unknownGroup(String, suggestion: String?, groups: [String])
    /// The same grouping factor is given twice.
    case repeatedGroup(String)
    /// A fixed SD that is zero, negative, NaN or infinite.
    case nonPositiveStandardDeviation(group: String, value: Double)
    /// Grouping factors of the model whose covariance was not given.
    case missingGroups([String])
    /// A covariance factor T whose size is not the group's number of effects per level.
    case factorDimension(group: String, expected: Int, rows: Int, columns: Int)
    /// A covariance factor with a NaN or infinite entry.
    case nonFiniteFactor(group: String)
    case noRandomEffects
    case noObservations
    /// The model has prior weights or an offset, which fixed-SD sampling does not take.
    case weightsOrOffset
    /// A response, covariate or random-effect value is NaN or infinite; `row` is 1-based.
    case nonFiniteValue(variable: String, row: Int)
    /// More random effects than the dense D × D set-up can hold.
    case tooManyRandomEffects(Int, limit: Int)
    /// LAPACK's symmetric eigensolver did not converge (`info` > 0) or ran out of memory.
    case eigendecompositionFailed(dimension: Int, info: Int)

    public var description: String {
        switch self {
        case .weightsOrOffset:
            return "prior weights and offsets are supported by the ML/REML fit, EM and sampling with every random effect integrated out (--marginalize all); this density does not take them yet"
        case .malformed(let text, let reason):
            return "cannot read the fixed SDs '\(text)': \(reason); write GROUP=SD pairs separated by commas, e.g. 's=1,d=1,dept=1'"
        case .unknownGroup(let name, let suggestion, let groups):
            let hint = suggestion.map { " (did you mean '\($0)'?)" } ?? ""
            return "the model has no grouping factor '\(name)'\(hint); its grouping factors are \(groups.joined(separator: ", "))"
        case .repeatedGroup(let name):
            return "the SD of '\(name)' is given twice; give each grouping factor once"
        case .nonPositiveStandardDeviation(let group, let value):
            return "the SD of '\(group)' must be a positive finite number, not \(value)"
        case .missingGroups(let groups):
            return "with fixed SDs every grouping factor needs one; missing: \(groups.joined(separator: ", "))"
        case .factorDimension(let group, let expected, let rows, let columns):
            return "the covariance factor of '\(group)' must be \(expected) × \(expected) (one row and column per effect of a level), not \(rows) × \(columns)"
        case .nonFiniteFactor(let group):
            return "the covariance factor of '\(group)' has a NaN or infinite entry"
        case .noRandomEffects:
            return "the formula has no random-effect term such as (1 | group); fixed SDs need at least one"
        case .noObservations:
            return "the model has no observations"
        case .nonFiniteValue(let variable, let row):
            return "'\(variable)' is NaN or infinite in row \(row) of the model data; remove or correct such values"
        case .tooManyRandomEffects(let count, let limit):
            return "the model has \(count) random effects; fixing their SDs needs a dense \(count) × \(count) eigendecomposition, "
                + "and at most \(limit) are allowed; sample the SDs with all random effects marginalized instead"
        case .eigendecompositionFailed(let dimension, let info):
            return "the eigendecomposition of the \(dimension) × \(dimension) random-effect cross-product matrix failed (LAPACK info \(info)); "
                + "the matrix may be too large for memory or contain extreme values"
        }
    }
}
