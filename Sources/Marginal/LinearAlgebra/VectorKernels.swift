/// Loops over short contiguous vectors, written so that the compiler keeps them in registers
/// and vectorizes them: for lengths of a few to a few hundred values a BLAS call costs more
/// than the arithmetic.
enum VectorKernels {
    /// Σᵢ aᵢ bᵢ, with four partial sums so that the additions do not wait on each other.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, count n: Int) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var i = 0
        while i + 4 <= n {
            s0 += a[i] * b[i]
            s1 += a[i + 1] * b[i + 1]
            s2 += a[i + 2] * b[i + 2]
            s3 += a[i + 3] * b[i + 3]
            i += 4
        }
        while i < n {
            s0 += a[i] * b[i]
            i += 1
        }
        return (s0 + s1) + (s2 + s3)
    }

    /// Σᵢ aᵢ, with four partial sums as in ``dot(_:_:count:)``.
    @inline(__always)
    static func sum(_ a: UnsafePointer<Double>, count n: Int) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var i = 0
        while i + 4 <= n {
            s0 += a[i]
            s1 += a[i + 1]
            s2 += a[i + 2]
            s3 += a[i + 3]
            i += 4
        }
        while i < n {
            s0 += a[i]
            i += 1
        }
        return (s0 + s1) + (s2 + s3)
    }

    /// y ← y + α x.
    @inline(__always)
    static func axpy(_ alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, count n: Int) {
        for i in 0..<n { y[i] += alpha * x[i] }
    }

    /// log(x₀ x₁ ⋯ x_{n−1}) for values ≥ 1 (diagonals of Cholesky factors of I + a positive
    /// semidefinite matrix) or in [10⁻⁶, 1] (ALADYN's survival factors), with one logarithm per
    /// 16 values instead of one per value (``multiply(_:count:stride:into:)``).
    static func logProduct(_ x: UnsafePointer<Double>, count n: Int, stride: Int = 1) -> Double {
        var accumulator = LogProductAccumulator()
        multiply(x, count: n, stride: stride, into: &accumulator)
        return accumulator.logarithm
    }

    /// Multiplies `accumulator` by x₀ x₁ ⋯ x_{n−1}, 16 values at a time: four running products
    /// of four (independent chains, where one chain of 16 waits on each multiplication), whose
    /// product is finite and normal unless a value exceeds 2⁶⁴ or falls below 2⁻⁶⁴; such a chunk
    /// (or one with a non-finite or non-positive value) is folded in value by value by
    /// ``LogProductAccumulator``, which gives the logarithm IEEE arithmetic would.
    @inline(__always)
    static func multiply(_ x: UnsafePointer<Double>, count n: Int, stride: Int = 1, into accumulator: inout LogProductAccumulator) {
        var i = 0
        while i < n {
            let end = min(i + 16, n)
            var (p0, p1, p2, p3) = (1.0, 1.0, 1.0, 1.0)
            var j = i
            while j + 4 <= end {
                p0 *= x[j * stride]
                p1 *= x[(j + 1) * stride]
                p2 *= x[(j + 2) * stride]
                p3 *= x[(j + 3) * stride]
                j += 4
            }
            while j < end {
                p0 *= x[j * stride]
                j += 1
            }
            let product = (p0 * p1) * (p2 * p3)
            if product.isNormal && product > 0 {
                accumulator.multiply(by: product)
            } else {
                for j in i..<end { accumulator.multiply(by: x[j * stride]) }
            }
            i = end
        }
    }
}
