import Foundation

/// A mean-field (fully factorized) Gaussian on ℝᵈ, q(x) = Π_i N(x_i; μ_i, e^{2ω_i}),
/// parameterized by its means μ and log SDs ω so that both are unconstrained.
///
/// Entropy: H[q] = Σ_i ω_i + (d/2)(1 + log 2π). Reparameterization: x = μ + e^ω ⊙ ε, ε ~ N(0, I).
public struct MeanFieldGaussian: Sendable, Codable, Equatable {
    public var mean: [Double]
    public var logStandardDeviation: [Double]

    public init(mean: [Double], logStandardDeviation: [Double]) {
        self.mean = mean
        self.logStandardDeviation = logStandardDeviation
    }

    public var dimension: Int { mean.count }
    public var standardDeviation: [Double] { logStandardDeviation.map { exp($0) } }

    public var entropy: Double {
        logStandardDeviation.reduce(0, +) + 0.5 * Double(dimension) * (1 + log(2 * Double.pi))
    }

    /// x = μ + e^ω ⊙ ε.
    public func point(standardNormal epsilon: [Double]) -> [Double] {
        (0..<dimension).map { mean[$0] + exp(logStandardDeviation[$0]) * epsilon[$0] }
    }

    /// The marginal of q over some coordinates: mean-field, so just those coordinates' factors.
    /// Nil when the range is not within 0..<dimension.
    public func marginal(_ coordinates: Range<Int>) -> MeanFieldGaussian? {
        guard coordinates.lowerBound >= 0, coordinates.upperBound <= dimension else { return nil }
        return MeanFieldGaussian(mean: Array(mean[coordinates]), logStandardDeviation: Array(logStandardDeviation[coordinates]))
    }

    /// `count` draws from q with a stream seeded by `seed`.
    public func draws(count: Int, seed: UInt64) -> [[Double]] {
        var random = RandomSource(seed: seed)
        return (0..<max(count, 0)).map { _ in point(standardNormal: (0..<dimension).map { _ in random.normal() }) }
    }
}
