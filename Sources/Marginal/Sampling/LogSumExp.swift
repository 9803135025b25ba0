#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// log(eᵃ + eᵇ) without overflow: max + log1p(e^(min − max)); −∞ acts as the identity.
@inline(__always)
func logSumExp(_ a: Double, _ b: Double) -> Double {
    if a == -.infinity { return b }
    if b == -.infinity { return a }
    if a == .infinity || b == .infinity { return .infinity }
    return a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b))
}

/// Small dense-vector helpers for the trajectory bookkeeping.
enum VectorArithmetic {
    @inline(__always)
    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var sum = 0.0
        for i in 0..<a.count { sum += a[i] * b[i] }
        return sum
    }

    @inline(__always)
    static func sum(_ a: [Double], _ b: [Double]) -> [Double] {
        var c = a
        for i in 0..<c.count { c[i] += b[i] }
        return c
    }

    @inline(__always)
    static func add(_ b: [Double], to a: inout [Double]) {
        for i in 0..<a.count { a[i] += b[i] }
    }
}
