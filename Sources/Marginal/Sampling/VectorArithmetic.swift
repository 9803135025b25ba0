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

    /// Σᵢ wᵢ(aᵢ + bᵢ), the dot product of w with a + b without forming the sum.
    @inline(__always)
    static func dot(_ w: [Double], sumOf a: [Double], _ b: [Double]) -> Double {
        var sum = 0.0
        for i in 0..<w.count { sum += w[i] * (a[i] + b[i]) }
        return sum
    }
}
