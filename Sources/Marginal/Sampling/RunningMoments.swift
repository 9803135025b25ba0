/// Running means and (co)variances of a stream of vectors by Welford's update (Welford 1962; Stan
/// math's `welford_var_estimator` / `welford_covar_estimator`): after n vectors,
/// δ = x − m;  m ← m + δ/n;  M₂ ← M₂ + (x − m)δᵀ (only the diagonal for variances),
/// and the sample (co)variance is M₂/(n − 1). Two accumulators (chains run apart) merge by Chan,
/// Golub & LeVeque's (1979) rule, M₂ = M₂ₐ + M₂ᵦ + δδᵀ nₐnᵦ/n. Numerically stable in one pass.
/// The warmup's metric adaptation and the recovered random effects' summaries both use it.
///
/// The second moments are kept in full over the first `denseCount` coordinates and as variances
/// over the rest (the layout of ``InverseMetric/values``): 0 for variances only, d for a full
/// covariance.
struct RunningMoments: Sendable {
    let dimension: Int
    let denseCount: Int
    private(set) var count = 0
    private(set) var means: [Double]
    /// The k × k block of sums of cross products (column-major), then d − k sums of squares.
    private var m2: [Double]
    private var delta: [Double]

    init(dimension: Int, denseCount: Int = 0) {
        self.dimension = dimension
        self.denseCount = denseCount
        means = [Double](repeating: 0, count: dimension)
        m2 = [Double](repeating: 0, count: denseCount * denseCount + dimension - denseCount)
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
        let k = denseCount
        for j in 0..<k {
            for i in 0..<k { m2[i + j * k] += (x[i] - means[i]) * delta[j] }
        }
        for i in k..<dimension { m2[k * k + i - k] += (x[i] - means[i]) * delta[i] }
    }

    mutating func merge(_ other: RunningMoments) {
        guard other.count > 0 else { return }
        let a = Double(count), b = Double(other.count), total = a + b
        for i in 0..<dimension { delta[i] = other.means[i] - means[i] }
        let k = denseCount
        for j in 0..<k {
            for i in 0..<k { m2[i + j * k] += other.m2[i + j * k] + delta[i] * delta[j] * a * b / total }
        }
        for i in k..<dimension { m2[k * k + i - k] += other.m2[k * k + i - k] + delta[i] * delta[i] * a * b / total }
        for i in 0..<dimension { means[i] += delta[i] * b / total }
        count += other.count
    }

    /// M₂/(n − 1) in the layout of ``InverseMetric/values`` (the variances alone when
    /// ``denseCount`` is 0, the column-major covariance when it is d); nil for n < 2. The rank-one
    /// updates are symmetric only up to rounding, so the dense block is symmetrized,
    /// (Sᵢⱼ + Sⱼᵢ)/2, to give an exactly symmetric metric.
    func estimate() -> [Double]? {
        guard count > 1 else { return nil }
        let scale = 1 / Double(count - 1)
        var s = m2.map { $0 * scale }
        let k = denseCount
        for j in 0..<k {
            for i in (j + 1)..<k {
                let average = 0.5 * (s[i + j * k] + s[j + i * k])
                s[i + j * k] = average
                s[j + i * k] = average
            }
        }
        return s
    }

    /// Sample standard deviations (of the diagonal); NaN with fewer than two vectors.
    var standardDeviations: [Double] {
        let k = denseCount
        return (0..<dimension).map { i in
            count > 1 ? (m2[i < k ? i * (k + 1) : k * k + i - k] / Double(count - 1)).squareRoot() : .nan
        }
    }
}
