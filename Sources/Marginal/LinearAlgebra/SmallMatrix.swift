import Foundation

/// In-place kernels for the small S × S matrices of random-effect blocks (S is the number of
/// random effects per level, typically 1–4), where a BLAS call would cost more than the work.
/// All matrices are column-major; "lower" means lower-triangular.
enum SmallMatrix {
    /// v ← λᵀ v for each of `columns` vectors of length `size`, where vector j starts at
    /// `rows + j·columnStride` and its elements are `stride` apart; λ is lower-triangular.
    /// Ascending order is safe in place because (λᵀv)ᵢ uses only vₖ with k ≥ i.
    static func multiplyLowerTransposed(
        _ l: UnsafePointer<Double>, size: Int, rows: UnsafeMutablePointer<Double>, stride: Int,
        columns: Int, columnStride: Int
    ) {
        for j in 0..<columns {
            let v = rows + j * columnStride
            for i in 0..<size {
                var sum = 0.0
                for k in i..<size { sum += l[k + i * size] * v[k * stride] }
                v[i * stride] = sum
            }
        }
    }

    /// w ← L⁻¹ (lower triangle; the strict upper triangle is zeroed) for lower-triangular L.
    static func invertLower(_ l: UnsafePointer<Double>, into w: UnsafeMutablePointer<Double>, size s: Int) {
        for j in 0..<s {
            for i in 0..<j { w[i + j * s] = 0 }
            w[j + j * s] = 1 / l[j + j * s]
            for i in (j + 1)..<max(s, j + 1) {
                var sum = 0.0
                for k in j..<i { sum -= l[i + k * s] * w[k + j * s] }
                w[i + j * s] = sum / l[i + i * s]
            }
        }
    }

    /// out ← λᵀ A λ for symmetric S × S A and lower-triangular λ, all by pointer; `work` holds
    /// S² values. W = Aλ is formed column by column as axpys over A's columns, then λᵀW as dot
    /// products of columns, so every inner loop runs over contiguous memory.
    static func congruence(
        lambda: UnsafePointer<Double>, a: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>,
        work: UnsafeMutablePointer<Double>, size s: Int
    ) {
        for j in 0..<s {
            let w = work + j * s
            w.update(repeating: 0, count: s)
            for k in j..<s {
                let l = lambda[k + j * s], column = a + k * s
                for i in 0..<s { w[i] += l * column[i] }
            }
        }
        for j in 0..<s {
            let w = work + j * s
            for i in 0..<s {
                let l = lambda + i * s
                var sum = 0.0
                for k in i..<s { sum += l[k] * w[k] }
                out[i + j * s] = sum
            }
        }
    }

    /// The lower triangle of out ← λᵀ D λ for diagonal D (its S values `stride` apart) and
    /// lower-triangular λ: (λᵀDλ)ᵢⱼ = Σ_{k ≥ i} λₖᵢ dₖ λₖⱼ for i ≥ j, about S³/6 products against
    /// the S³ of ``congruence(lambda:a:into:work:size:)``. Column j scales λ's column j by D into
    /// `work` (S values), then takes dot products with λ's later columns, all contiguous; the
    /// strict upper triangle is left as it was.
    static func diagonalCongruence(
        lambda: UnsafePointer<Double>, diagonal d: UnsafePointer<Double>, stride: Int,
        into out: UnsafeMutablePointer<Double>, work w: UnsafeMutablePointer<Double>, size s: Int
    ) {
        for j in 0..<s {
            let column = lambda + j * s
            for k in j..<s { w[k] = d[k * stride] * column[k] }
            for i in j..<s {
                let l = lambda + i * s
                var sum = 0.0
                for k in i..<s { sum += l[k] * w[k] }
                out[i + j * s] = sum
            }
        }
    }

    /// out ← L⁻ᵀ L⁻¹ = (L Lᵀ)⁻¹ (both triangles) for lower-triangular L; `inverse` receives L⁻¹.
    static func inverseGram(
        lower l: UnsafePointer<Double>, inverse w: UnsafeMutablePointer<Double>,
        into out: UnsafeMutablePointer<Double>, size s: Int
    ) {
        invertLower(l, into: w, size: s)
        for j in 0..<s {
            for i in j..<s {
                var sum = 0.0
                for k in i..<s { sum += w[k + i * s] * w[k + j * s] }
                out[i + j * s] = sum
                out[j + i * s] = sum
            }
        }
    }

    /// What ``choleskyLower(_:size:pivots:)`` does with the pivot d_j = a_jj − Σ_{k<j} l_jk² of
    /// column j.
    enum Pivots {
        /// Fail unless d_j > 0.
        case positive
        /// Fail unless d_j > tolerance · a_jj and finite (numerically positive definite).
        case relative(Double)
        /// Never fail: d_j ≤ tolerance · max(a_jj, 0), or d_j ≤ 0, is zero up to rounding, and for a
        /// positive-semidefinite matrix the rest of column j is then zero too, so l_jj = 0 with a
        /// zero column keeps LLᵀ = A up to rounding (the covariance matrices of an EM M-step,
        /// singular at a variance or correlation boundary; the diagonal stays non-negative).
        case semidefinite(Double)
    }

    /// Cholesky factorization in place on the lower triangle (the upper triangle is zeroed).
    /// Returns false if the matrix is not positive definite by the rule of `pivots`.
    static func choleskyLower(_ a: UnsafeMutablePointer<Double>, size s: Int, pivots: Pivots = .positive) -> Bool {
        for j in 0..<s {
            var diagonal = a[j + j * s]
            for k in 0..<j { diagonal -= a[j + k * s] * a[j + k * s] }
            switch pivots {
            case .positive:
                guard diagonal > 0 else { return false }
            case .relative(let tolerance):
                guard diagonal > tolerance * a[j + j * s], diagonal.isFinite else { return false }
            case .semidefinite(let tolerance):
                if diagonal <= tolerance * max(a[j + j * s], 0) || diagonal <= 0 {
                    for i in 0..<s { a[i + j * s] = 0 }
                    continue
                }
            }
            let ljj = diagonal.squareRoot()
            a[j + j * s] = ljj
            for i in (j + 1)..<s {
                var sum = a[i + j * s]
                for k in 0..<j { sum -= a[i + k * s] * a[j + k * s] }
                a[i + j * s] = sum / ljj
            }
            for i in 0..<j { a[i + j * s] = 0 }
        }
        return true
    }

    /// out += L⁻ᵀ A L⁻¹ for lower-triangular L and symmetric A (S × S); `a` is destroyed.
    static func addInverseCongruence(
        factor l: UnsafePointer<Double>, middle a: UnsafeMutablePointer<Double>,
        work x: UnsafeMutablePointer<Double>, size s: Int, into out: UnsafeMutablePointer<Double>
    ) {
        // X = A L⁻¹: solve X L = A by back substitution over columns, each column of X a
        // contiguous axpy of the later ones (the same sums in the same order as row by row).
        for j in stride(from: s - 1, through: 0, by: -1) {
            let column = x + j * s
            column.update(from: a + j * s, count: s)
            for k in (j + 1)..<max(s, j + 1) {
                let lkj = l[k + j * s], later = x + k * s
                for i in 0..<s { column[i] -= later[i] * lkj }
            }
            let diagonal = l[j + j * s]
            for i in 0..<s { column[i] /= diagonal }
        }
        // L⁻ᵀ X: solve Lᵀ Y = X column by column (back substitution), added to out.
        for j in 0..<s {
            for i in stride(from: s - 1, through: 0, by: -1) {
                var value = x[i + j * s]
                for k in (i + 1)..<max(s, i + 1) { value -= l[k + i * s] * a[k + j * s] }
                a[i + j * s] = value / l[i + i * s]
            }
            for i in 0..<s { out[i + j * s] += a[i + j * s] }
        }
    }

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
