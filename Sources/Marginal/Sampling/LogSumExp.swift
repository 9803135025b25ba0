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
