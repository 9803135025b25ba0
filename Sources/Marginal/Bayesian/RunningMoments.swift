/// Running means and variances of a vector of quantities over many draws, by Welford's update,
/// with Chan, Golub & LeVeque's (1979) rule for merging two accumulators (chains run apart).
/// NaN draws (points that could not be evaluated) are skipped as a whole.
struct RunningMoments: Sendable {
    private(set) var means: [Double]
    private var sumsOfSquares: [Double]
    private(set) var draws = 0

    init(count: Int) {
        means = Array(repeating: 0, count: count)
        sumsOfSquares = means
    }

    mutating func add(_ values: [Double]) {
        guard values.allSatisfy({ !$0.isNaN }) else { return }
        draws += 1
        let weight = 1 / Double(draws)
        for i in values.indices {
            let delta = values[i] - means[i]
            means[i] += delta * weight
            sumsOfSquares[i] += delta * (values[i] - means[i])
        }
    }

    mutating func merge(_ other: RunningMoments) {
        guard other.draws > 0 else { return }
        let total = draws + other.draws
        let a = Double(draws), b = Double(other.draws)
        for i in means.indices {
            let delta = other.means[i] - means[i]
            means[i] += delta * b / Double(total)
            sumsOfSquares[i] += other.sumsOfSquares[i] + delta * delta * a * b / Double(total)
        }
        draws = total
    }

    /// Sample standard deviations (divisor draws − 1); NaN with fewer than two draws.
    var standardDeviations: [Double] {
        sumsOfSquares.map { draws > 1 ? ($0 / Double(draws - 1)).squareRoot() : .nan }
    }
}
