import Foundation

/// log(x₁ x₂ ⋯ x_m) for positive finite x's with one logarithm in all instead of one per
/// factor: the running product is kept as significand ∈ [1, 2) times 2^exponent, so it can
/// neither overflow nor underflow. For determinants of block-diagonal factors (one block per
/// level of a grouping factor), where a logarithm per level would cost more than the rest of
/// the level's arithmetic.
struct LogProductAccumulator {
    private var exponent = 0
    private var significand = 1.0
    /// Σ log x over the factors that are not positive and finite (±∞ or NaN), so that such a
    /// factor gives the logarithm IEEE arithmetic would give instead of trapping.
    private var exceptional = 0.0

    /// Multiplies by x.
    @inline(__always)
    mutating func multiply(by x: Double) {
        guard x > 0, x.isFinite else {
            exceptional += log(x)
            return
        }
        let product = significand * x.significand
        exponent += x.exponent + product.exponent
        significand = product.significand
    }

    /// log of the product so far.
    var logarithm: Double {
        (Double(exponent) + log2(significand)) * M_LN2 + exceptional
    }
}
