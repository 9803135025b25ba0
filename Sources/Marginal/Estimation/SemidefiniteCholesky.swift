/// The lower Cholesky factor of a symmetric positive-semidefinite matrix, for the covariance
/// matrices an EM M-step produces, which can be singular (a variance or a correlation at its
/// boundary).
///
/// Column j: d = a_jj − Σ_{k<j} l_jk². When d ≤ 10⁻¹⁴ a_jj (zero up to rounding) the matrix is
/// singular in direction j; for a positive-semidefinite matrix the rest of column j is then zero
/// too, and l_jj = 0 with a zero column keeps LLᵀ equal to A up to rounding. Otherwise the
/// ordinary step: l_jj = √d, l_ij = (a_ij − Σ_{k<j} l_ik l_jk) / l_jj. Never fails; the
/// diagonal of the result is non-negative, as lme4's θ requires.
enum SemidefiniteCholesky {
    /// Factors `a` (size × size, column-major, lower triangle read) in place; the upper
    /// triangle is zeroed.
    static func factorLower(_ a: inout [Double], size s: Int) {
        for j in 0..<s {
            let scale = max(a[j + j * s], 0)
            var d = a[j + j * s]
            for k in 0..<j { d -= a[j + k * s] * a[j + k * s] }
            if d <= 1e-14 * scale || d <= 0 {
                for i in j..<s { a[i + j * s] = 0 }
            } else {
                let ljj = d.squareRoot()
                a[j + j * s] = ljj
                for i in (j + 1)..<s {
                    var sum = a[i + j * s]
                    for k in 0..<j { sum -= a[i + k * s] * a[j + k * s] }
                    a[i + j * s] = sum / ljj
                }
            }
            for i in 0..<j { a[i + j * s] = 0 }
        }
    }
}
