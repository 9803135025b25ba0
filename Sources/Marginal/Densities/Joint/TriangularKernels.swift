import Foundation

/// Pointer kernels for the small S × S lower-triangular factors of one level's random effects
/// (T with Σ = T Tᵀ, or the Cholesky factor of a per-level precision), column-major: element
/// (a, b) at `a + b·S`. Outputs must not alias inputs unless a kernel says so. S is small
/// (typically 1–4), so plain loops beat BLAS calls here.
enum TriangularKernels {
    /// out ← T v for lower-triangular T.
    @inline(__always)
    static func lowerTimes(_ t: UnsafePointer<Double>, _ v: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, size s: Int) {
        for a in 0..<s {
            var sum = 0.0
            for b in 0...a { sum += t[a + b * s] * v[b] }
            out[a] = sum
        }
    }

    /// out ← Tᵀ v for lower-triangular T.
    @inline(__always)
    static func lowerTransposedTimes(_ t: UnsafePointer<Double>, _ v: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, size s: Int) {
        for a in 0..<s {
            var sum = 0.0
            for b in a..<s { sum += t[b + a * s] * v[b] }
            out[a] = sum
        }
    }

    /// v ← L⁻¹ v in place (forward substitution).
    @inline(__always)
    static func solveLower(_ l: UnsafePointer<Double>, _ v: UnsafeMutablePointer<Double>, size s: Int) {
        for a in 0..<s {
            var sum = v[a]
            for b in 0..<a { sum -= l[a + b * s] * v[b] }
            v[a] = sum / l[a + a * s]
        }
    }

    /// v ← L⁻ᵀ v in place (back substitution).
    @inline(__always)
    static func solveLowerTransposed(_ l: UnsafePointer<Double>, _ v: UnsafeMutablePointer<Double>, size s: Int) {
        for a in stride(from: s - 1, through: 0, by: -1) {
            var sum = v[a]
            for b in (a + 1)..<s { sum -= l[b + a * s] * v[b] }
            v[a] = sum / l[a + a * s]
        }
    }

    /// Σₐ log L_aa, i.e. ½ log |L Lᵀ|, for lower-triangular L with positive diagonal.
    @inline(__always)
    static func logDiagonal(_ l: UnsafePointer<Double>, size s: Int) -> Double {
        var sum = 0.0
        for a in 0..<s { sum += log(l[a + a * s]) }
        return sum
    }

    /// out ← (L Lᵀ)⁻¹ from the Cholesky factor L, column by column (L⁻ᵀ L⁻¹ eₐ).
    static func inverseFromCholesky(_ l: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, size s: Int) {
        for a in 0..<s {
            let column = out + a * s
            for b in 0..<s { column[b] = b == a ? 1 : 0 }
            solveLower(l, column, size: s)
            solveLowerTransposed(l, column, size: s)
        }
    }
}
