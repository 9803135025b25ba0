/// The inverse metric M⁻¹ of the Euclidean kinetic energy ½pᵀM⁻¹p: after warmup, the
/// regularized estimate of the posterior variances (diagonal) or covariance (dense), or of both
/// by blocks.
public enum InverseMetric: Sendable, Equatable {
    case diagonal([Double])
    case dense(Matrix)
    /// Dense over the first `leading.rows` coordinates and diagonal over the rest: a model's few
    /// global parameters, whose posterior correlations (an intercept with a coefficient whose
    /// column has a nonzero mean) a diagonal metric cannot follow, and its many sampled random
    /// effects, standardized one by one (``MetricKind/globals``).
    case blocked(leading: Matrix, diagonal: [Double])

    /// The number of leading coordinates in the dense block: 0 diagonal, d dense.
    var denseCount: Int {
        switch self {
        case .diagonal: return 0
        case .dense(let m): return m.rows
        case .blocked(let leading, _): return leading.rows
        }
    }

    /// The metric with a dense block over the first `denseCount` coordinates from its values in
    /// ``values`` layout (0: diagonal; every coordinate, when there are no values after the block: dense).
    init(denseCount k: Int, values: [Double]) {
        if k == 0 { self = .diagonal(values); return }
        let leading = Matrix(rows: k, columns: k, elements: Array(values.prefix(k * k)))
        self = values.count == k * k ? .dense(leading) : .blocked(leading: leading, diagonal: Array(values.dropFirst(k * k)))
    }

    /// Diagonal `variances` in the layout with a dense block over the first `denseCount`.
    init(denseCount k: Int, variances: [Double]) {
        var values = [Double](repeating: 0, count: k * k + variances.count - k)
        for i in 0..<k { values[i * (k + 1)] = variances[i] }
        for i in k..<variances.count { values[k * k + i - k] = variances[i] }
        self.init(denseCount: k, values: values)
    }

    /// The unit metric with a dense block over the first `denseCount` coordinates (the starting
    /// point of adaptation).
    static func identity(dimension: Int, denseCount: Int) -> InverseMetric {
        InverseMetric(denseCount: denseCount, variances: [Double](repeating: 1, count: dimension))
    }

    /// The k × k block (column-major) followed by the d − k diagonal entries, k = ``denseCount``:
    /// the layout of ``RunningMoments`` estimates.
    var values: [Double] {
        switch self {
        case .diagonal(let v): return v
        case .dense(let m): return m.elements
        case .blocked(let leading, let diagonal): return leading.elements + diagonal
        }
    }

    /// The diagonal: the variances the metric assumes.
    public var variances: [Double] {
        switch self {
        case .diagonal(let v): return v
        case .dense(let m): return (0..<m.rows).map { m[$0, $0] }
        case .blocked(let leading, let diagonal): return (0..<leading.rows).map { leading[$0, $0] } + diagonal
        }
    }
}
