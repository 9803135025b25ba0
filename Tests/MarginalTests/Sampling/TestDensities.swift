import Foundation
@testable import Marginal

/// Independent normals N(μᵢ, σᵢ²): log p = −½ Σ ((xᵢ − μᵢ)/σᵢ)².
struct IndependentNormal: LogDensity {
    let means: [Double]
    let scales: [Double]
    var dimension: Int { means.count }

    mutating func logDensity(at x: [Double], gradient: inout [Double]) -> Double {
        var sum = 0.0
        for i in 0..<dimension {
            let z = (x[i] - means[i]) / scales[i]
            sum += z * z
            gradient[i] = -z / scales[i]
        }
        return -0.5 * sum
    }
}

/// A bivariate normal with standard deviations s₁, s₂ and correlation r:
/// log p = −½ xᵀΣ⁻¹x, with Σ⁻¹ written out by hand.
struct CorrelatedNormal: LogDensity {
    let s1: Double
    let s2: Double
    let r: Double
    var dimension: Int { 2 }

    var covariance: [[Double]] { [[s1 * s1, r * s1 * s2], [r * s1 * s2, s2 * s2]] }

    mutating func logDensity(at x: [Double], gradient: inout [Double]) -> Double {
        let determinant = s1 * s1 * s2 * s2 * (1 - r * r)
        // Σ⁻¹ = adj(Σ)/det Σ.
        let a = s2 * s2 / determinant
        let b = -r * s1 * s2 / determinant
        let c = s1 * s1 / determinant
        gradient[0] = -(a * x[0] + b * x[1])
        gradient[1] = -(b * x[0] + c * x[1])
        return -0.5 * (a * x[0] * x[0] + 2 * b * x[0] * x[1] + c * x[1] * x[1])
    }
}

/// ``CorrelatedNormal`` in the first two coordinates and independent N(0, sᵢ²) after them: a
/// model's correlated globals and its sampled effects, for the metric dense over the globals.
struct CorrelatedThenIndependentNormal: LogDensity {
    var leading: CorrelatedNormal
    let scales: [Double]
    var dimension: Int { 2 + scales.count }

    mutating func logDensity(at x: [Double], gradient: inout [Double]) -> Double {
        var leadingGradient = [0.0, 0.0]
        var value = leading.logDensity(at: Array(x.prefix(2)), gradient: &leadingGradient)
        gradient[0] = leadingGradient[0]
        gradient[1] = leadingGradient[1]
        for (i, s) in scales.enumerated() {
            let z = x[2 + i] / s
            gradient[2 + i] = -z / s
            value -= 0.5 * z * z
        }
        return value
    }
}

/// Neal's funnel: v ~ N(0, 3²), xᵢ | v ~ N(0, e^v), i = 1…k. Its neck has curvature that no
/// single step size resolves, so NUTS reports divergences there.
struct Funnel: LogDensity {
    let k: Int
    var dimension: Int { k + 1 }

    mutating func logDensity(at x: [Double], gradient: inout [Double]) -> Double {
        let v = x[0]
        var sum = -v * v / 18
        var dv = -v / 9
        let precision = exp(-v)
        for i in 1...k {
            sum += -0.5 * x[i] * x[i] * precision - 0.5 * v
            gradient[i] = -x[i] * precision
            dv += 0.5 * x[i] * x[i] * precision - 0.5
        }
        gradient[0] = dv
        return sum
    }
}

/// A standard normal cut off by a cliff: zero density (log p = −∞) for x₁ > 0.5.
struct NormalWithCliff: LogDensity {
    var dimension: Int { 2 }

    mutating func logDensity(at x: [Double], gradient: inout [Double]) -> Double {
        guard x[0] <= 0.5 else { return -.infinity }
        gradient[0] = -x[0]
        gradient[1] = -x[1]
        return -0.5 * (x[0] * x[0] + x[1] * x[1])
    }
}

/// A density that is finite only on a small region, or nowhere.
struct NarrowSupport: LogDensity {
    let dimension: Int
    /// Finite only where every |xᵢ| < width (width 0: nowhere).
    let width: Double

    mutating func logDensity(at x: [Double], gradient: inout [Double]) -> Double {
        guard x.allSatisfy({ abs($0) < width }) else { return .nan }
        for i in 0..<dimension { gradient[i] = -x[i] }
        return -0.5 * x.reduce(0) { $0 + $1 * $1 }
    }
}

/// Thread-safe collector for progress reports.
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var reports: [SamplingProgress] = []

    func append(_ report: SamplingProgress) {
        lock.lock()
        reports.append(report)
        lock.unlock()
    }

    var all: [SamplingProgress] {
        lock.lock()
        defer { lock.unlock() }
        return reports
    }
}
