import Foundation

/// log(x₁ x₂ ⋯ x_m) for positive finite x's with one logarithm in all instead of one per
/// factor: the running product is kept as significand ∈ [1, 2) times 2^exponent, so it can
/// neither overflow nor underflow. For the per-level determinants of the one-class density,
/// where a logarithm per level would cost more than the rest of the level's arithmetic.
struct LogProductAccumulator {
    private var exponent = 0
    private var significand = 1.0

    /// Multiplies by x, which must be positive and finite.
    @inline(__always)
    mutating func multiply(by x: Double) {
        let product = significand * x.significand
        exponent += x.exponent + product.exponent
        significand = product.significand
    }

    /// log of the product so far.
    var logarithm: Double {
        (Double(exponent) + log2(significand)) * M_LN2
    }
}
