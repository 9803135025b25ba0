import Foundation

/// The Adam update (Kingma & Ba 2015, "Adam: A method for stochastic optimization", ICLR,
/// Algorithm 1), for minimization, over preallocated moment vectors:
///
///     mₜ = β₁ mₜ₋₁ + (1 − β₁) gₜ
///     vₜ = β₂ vₜ₋₁ + (1 − β₂) gₜ²
///     xₜ = xₜ₋₁ − α m̂ₜ / (√v̂ₜ + ε),   m̂ₜ = mₜ / (1 − β₁ᵗ),  v̂ₜ = vₜ / (1 − β₂ᵗ)
///
/// with the paper's defaults α = 0.001, β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸. The step is scaled per
/// coordinate by the running RMS of its gradient, so Adam is not invariant to a change of
/// variables: centered and non-centered forms of one model follow different paths.
public struct Adam: Sendable {
    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    /// m and v, one entry per coordinate.
    public private(set) var firstMoment: [Double]
    public private(set) var secondMoment: [Double]
    /// t, the number of updates made.
    public private(set) var stepCount = 0

    public init(dimension: Int, learningRate: Double = 0.001, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        firstMoment = [Double](repeating: 0, count: max(dimension, 0))
        secondMoment = firstMoment
    }

    public var dimension: Int { firstMoment.count }

    /// One update of `x` in place from the gradient at `x` (both of length ``dimension``; extra
    /// elements of a longer array are left alone, missing ones are not updated).
    public mutating func update(_ x: inout [Double], gradient: [Double]) {
        update(&x, gradient: gradient, groups: [(0..<min(dimension, x.count, gradient.count), learningRate)])
    }

    /// One update with its own learning rate for each group of coordinates (PyTorch's parameter
    /// groups: one step count, moments per coordinate); coordinates in no group are left alone.
    public mutating func update(_ x: inout [Double], gradient: [Double], groups: [(range: Range<Int>, learningRate: Double)]) {
        stepCount += 1
        let t = Double(stepCount)
        let correction1 = 1 - pow(beta1, t)
        let correction2 = 1 - pow(beta2, t)
        let count = min(dimension, x.count, gradient.count)
        firstMoment.withUnsafeMutableBufferPointer { m in
            secondMoment.withUnsafeMutableBufferPointer { v in
                for (range, rate) in groups {
                    for i in range.clamped(to: 0..<count) {
                        let g = gradient[i]
                        m[i] = beta1 * m[i] + (1 - beta1) * g
                        v[i] = beta2 * v[i] + (1 - beta2) * g * g
                        x[i] -= rate * (m[i] / correction1) / ((v[i] / correction2).squareRoot() + epsilon)
                    }
                }
            }
        }
    }

    /// Forgets the moments and the step count.
    public mutating func reset() {
        for i in firstMoment.indices {
            firstMoment[i] = 0
            secondMoment[i] = 0
        }
        stepCount = 0
    }
}
