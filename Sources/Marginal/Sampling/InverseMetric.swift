/// The inverse metric M⁻¹ of the Euclidean kinetic energy ½pᵀM⁻¹p: after warmup, the
/// regularized estimate of the posterior variances (diagonal) or covariance (dense).
public enum InverseMetric: Sendable, Equatable {
    case diagonal([Double])
    case dense(Matrix)

    /// The unit metric of the given kind (the starting point of adaptation).
    static func identity(dimension: Int, kind: MetricKind) -> InverseMetric {
        switch kind {
        case .diagonal: return .diagonal([Double](repeating: 1, count: dimension))
        case .dense: return .dense(.identity(dimension))
        }
    }

    /// The diagonal: the variances the metric assumes.
    public var variances: [Double] {
        switch self {
        case .diagonal(let v): return v
        case .dense(let m): return (0..<m.rows).map { m[$0, $0] }
        }
    }
}
