/// Running mean and (co)variance of a stream of vectors by Welford's algorithm (Welford 1962;
/// Stan math's `welford_var_estimator` / `welford_covar_estimator`): after n vectors,
/// δ = x − m;  m ← m + δ/n;  M₂ ← M₂ + (x − m)δᵀ (only the diagonal for variances),
/// and the sample (co)variance is M₂/(n − 1). Numerically stable in one pass.
struct WelfordEstimator {
    let dimension: Int
    let dense: Bool
    private(set) var count = 0
    private var mean: [Double]
    /// Diagonal: d sums of squares. Dense: the d × d matrix, column-major.
    private var m2: [Double]

    init(dimension: Int, dense: Bool) {
        self.dimension = dimension
        self.dense = dense
        mean = [Double](repeating: 0, count: dimension)
        m2 = [Double](repeating: 0, count: dense ? dimension * dimension : dimension)
    }

    mutating func restart() {
        count = 0
        for i in mean.indices { mean[i] = 0 }
        for i in m2.indices { m2[i] = 0 }
    }

    mutating func add(_ x: [Double]) {
        count += 1
        let n = Double(count)
        var delta = [Double](repeating: 0, count: dimension)
        for i in 0..<dimension {
            delta[i] = x[i] - mean[i]
            mean[i] += delta[i] / n
        }
        if dense {
            for j in 0..<dimension {
                for i in 0..<dimension {
                    m2[i + j * dimension] += (x[i] - mean[i]) * delta[j]
                }
            }
        } else {
            for i in 0..<dimension { m2[i] += (x[i] - mean[i]) * delta[i] }
        }
    }

    /// M₂/(n − 1): the variances (diagonal) or the column-major covariance (dense); nil for
    /// n < 2. The rank-one updates are symmetric only up to rounding, so the dense estimate is
    /// symmetrized, (Sᵢⱼ + Sⱼᵢ)/2, to give an exactly symmetric metric.
    func estimate() -> [Double]? {
        guard count > 1 else { return nil }
        let scale = 1 / Double(count - 1)
        var s = m2.map { $0 * scale }
        if dense {
            let d = dimension
            for j in 0..<d {
                for i in (j + 1)..<d {
                    let average = 0.5 * (s[i + j * d] + s[j + i * d])
                    s[i + j * d] = average
                    s[j + i * d] = average
                }
            }
        }
        return s
    }
}
