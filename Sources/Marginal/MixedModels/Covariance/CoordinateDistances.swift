/// The Euclidean distances between the S coordinates of a kernel structure's columns (`ou`,
/// `exp`, `gau`, `mat`), which glmmTMB reads from a `numFactor`'s levels and Marginal from the
/// distinct values of a numeric column (one column per distinct value, in increasing order).
struct CoordinateDistances: Sendable {
    /// S.
    let dimension: Int
    /// d_ij, S × S column-major.
    let values: [Double]

    /// - Parameter coordinates: one point per column (all of one dimension).
    init(coordinates: [[Double]]) {
        let s = coordinates.count
        var values = [Double](repeating: 0, count: s * s)
        for j in 0..<s {
            for i in 0..<s {
                values[i + j * s] = zip(coordinates[i], coordinates[j]).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
            }
        }
        dimension = s
        self.values = values
    }

    func callAsFunction(_ i: Int, _ j: Int) -> Double { values[i + j * dimension] }

    /// The median over points of the distance to the nearest other point: the scale at which a
    /// kernel's range starts (a correlation of e⁻¹ between neighbours), 1 for a single point.
    var typicalGap: Double {
        let s = dimension
        let nearest = (0..<s).map { i in (0..<s).filter { $0 != i }.map { values[i + $0 * s] }.min() ?? 1 }.sorted()
        let median = nearest.isEmpty ? 1 : nearest[nearest.count / 2]
        return median > 0 && median.isFinite ? median : 1
    }
}
