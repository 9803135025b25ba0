/// Running means and (co)variances of a stream of vectors by Welford's update (Welford 1962; Stan
/// math's `welford_var_estimator` / `welford_covar_estimator`): after n vectors,
/// δ = x − m;  m ← m + δ/n;  M₂ ← M₂ + (x − m)δᵀ (only the diagonal for variances),
/// and the sample (co)variance is M₂/(n − 1). Two accumulators (chains run apart) merge by Chan,
/// Golub & LeVeque's (1979) rule, M₂ = M₂ₐ + M₂ᵦ + δδᵀ nₐnᵦ/n. Numerically stable in one pass.
/// The warmup's metric adaptation and the recovered random effects' summaries both use it.
struct RunningMoments: Sendable {
    let dimension: Int
    let dense: Bool
    private(set) var count = 0
    private(set) var means: [Double]
    /// Diagonal: d sums of squares. Dense: the d × d matrix, column-major.
    private var m2: [Double]
    private var delta: [Double]

    init(dimension: Int, dense: Bool = false) {
        self.dimension = dimension
        self.dense = dense
        means = [Double](repeating: 0, count: dimension)
        m2 = [Double](repeating: 0, count: dense ? dimension * dimension : dimension)
        delta = means
    }

    mutating func restart() {
        count = 0
        for i in means.indices { means[i] = 0 }
        for i in m2.indices { m2[i] = 0 }
    }

    mutating func add(_ x: [Double]) {
        count += 1
        let n = Double(count)
        for i in 0..<dimension {
            delta[i] = x[i] - means[i]
            means[i] += delta[i] / n
        }
        if dense {
            for j in 0..<dimension {
                for i in 0..<dimension {
                    m2[i + j * dimension] += (x[i] - means[i]) * delta[j]
                }
            }
        } else {
            for i in 0..<dimension { m2[i] += (x[i] - means[i]) * delta[i] }
        }
    }

    mutating func merge(_ other: RunningMoments) {
        guard other.count > 0 else { return }
        let a = Double(count), b = Double(other.count), total = a + b
        for i in 0..<dimension { delta[i] = other.means[i] - means[i] }
        for j in 0..<(dense ? dimension : 1) {
            for i in 0..<dimension {
                let index = dense ? i + j * dimension : i
                let dj = dense ? delta[j] : delta[i]
                m2[index] += other.m2[index] + delta[i] * dj * a * b / total
            }
        }
        for i in 0..<dimension { means[i] += delta[i] * b / total }
        count += other.count
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

    /// Sample standard deviations (of the diagonal); NaN with fewer than two vectors.
    var standardDeviations: [Double] {
        (0..<dimension).map { i in count > 1 ? (m2[dense ? i * (dimension + 1) : i] / Double(count - 1)).squareRoot() : .nan }
    }
}
