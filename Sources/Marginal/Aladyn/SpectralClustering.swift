/// Spectral clustering of n items from a symmetric affinity matrix A (n × n, entries ≥ 0), as
/// scikit-learn's `SpectralClustering(affinity='precomputed', assign_labels='kmeans')`, which the
/// published ALADYN initialization uses to group diseases (Ng, Jordan & Weiss 2001; von Luxburg
/// 2007, "A tutorial on spectral clustering", §4):
///
/// 1. with A's diagonal set to zero and degrees d_i = Σ_j A_ij, the c eigenvectors of the largest
///    eigenvalues of D^{-1/2} A D^{-1/2} (the smallest of the normalized Laplacian), each row
///    divided by √d_i;
/// 2. k-means on those rows (Lloyd's iterations from k-means++ starts, the best of `restarts`).
enum SpectralClustering {
    static func labels(affinity: [Double], count n: Int, clusters c: Int, restarts: Int = 10, random: inout RandomSource) throws(AladynError) -> [Int] {
        guard c >= 1, c <= n else { throw .invalidValue(what: "the number of clusters", value: "\(c)", requirement: "between 1 and the \(n) items") }
        var degree = [Double](repeating: 0, count: n)
        for i in 0..<n { for j in 0..<n where j != i { degree[i] += affinity[i * n + j] } }
        var normalized = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n where j != i && degree[i] > 0 && degree[j] > 0 {
                normalized[i * n + j] = affinity[i * n + j] / (degree[i] * degree[j]).squareRoot()
            }
        }
        do {
            _ = try KnownCovarianceLinearAlgebra.symmetricEigen(&normalized, n: n)
        } catch {
            throw .invalidValue(what: "the disease affinity matrix", value: "not decomposable", requirement: "a symmetric matrix LAPACK can decompose")
        }
        // Eigenvalues ascend; the last c columns (column-major) are the leading eigenvectors.
        var embedding = [Double](repeating: 0, count: n * c)
        for column in 0..<c {
            let source = n - 1 - column
            for i in 0..<n {
                embedding[i * c + column] = normalized[i + source * n] / max(degree[i], .leastNormalMagnitude).squareRoot()
            }
        }
        return kMeans(embedding, count: n, dimension: c, clusters: c, restarts: restarts, random: &random)
    }

    /// Lloyd's k-means on n points (rows of `points`, `dimension` each), k-means++ starts, best of
    /// `restarts` by within-cluster sum of squares.
    static func kMeans(_ points: [Double], count n: Int, dimension m: Int, clusters c: Int, restarts: Int, random: inout RandomSource) -> [Int] {
        func distance(_ i: Int, _ centre: [Double], _ j: Int) -> Double {
            var total = 0.0
            for a in 0..<m { total += (points[i * m + a] - centre[j * m + a]) * (points[i * m + a] - centre[j * m + a]) }
            return total
        }
        var best: (labels: [Int], inertia: Double) = (Array(repeating: 0, count: n), .infinity)
        for _ in 0..<max(restarts, 1) {
            // k-means++: the first centre uniformly, each next with probability ∝ squared distance.
            var centres = [Double](repeating: 0, count: c * m)
            let first = random.integer(below: n)
            for a in 0..<m { centres[a] = points[first * m + a] }
            var nearest = (0..<n).map { distance($0, centres, 0) }
            for j in 1..<max(c, 1) {
                let total = nearest.reduce(0, +)
                var target = random.uniform() * total
                var chosen = n - 1
                for i in 0..<n {
                    target -= nearest[i]
                    if target <= 0 { chosen = i; break }
                }
                for a in 0..<m { centres[j * m + a] = points[chosen * m + a] }
                for i in 0..<n { nearest[i] = min(nearest[i], distance(i, centres, j)) }
            }
            var labels = [Int](repeating: 0, count: n)
            var inertia = Double.infinity
            for _ in 0..<300 {
                var changed = false
                inertia = 0
                for i in 0..<n {
                    var label = 0
                    var closest = Double.infinity
                    for j in 0..<c {
                        let value = distance(i, centres, j)
                        if value < closest { closest = value; label = j }
                    }
                    if label != labels[i] { changed = true; labels[i] = label }
                    inertia += closest
                }
                var sums = [Double](repeating: 0, count: c * m)
                var sizes = [Int](repeating: 0, count: c)
                for i in 0..<n {
                    sizes[labels[i]] += 1
                    for a in 0..<m { sums[labels[i] * m + a] += points[i * m + a] }
                }
                for j in 0..<c where sizes[j] > 0 {
                    for a in 0..<m { centres[j * m + a] = sums[j * m + a] / Double(sizes[j]) }
                }
                if !changed { break }
            }
            if inertia < best.inertia { best = (labels, inertia) }
        }
        return best.labels
    }
}
