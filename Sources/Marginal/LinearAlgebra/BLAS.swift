import CLapack

/// Thin wrappers over the BLAS and LAPACK routines Marginal uses, for column-major `Double`
/// storage addressed by pointers (so hot loops can work in place on preallocated buffers).
///
/// Every routine works on the lower triangle where a triangle is involved.
enum BLAS {
    /// C ← α A Aᵀ + β C (or α AᵀA + β C when `transpose`) on the lower triangle of the n × n
    /// matrix C; A is n × k (k × n when `transpose`).
    static func syrkLower(
        transpose: Bool = false, n: Int, k: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        guard n > 0 else { return }
        cblas_dsyrk(
            CblasColMajor, CblasLower, transpose ? CblasTrans : CblasNoTrans, blasint(n), blasint(k),
            alpha, a, blasint(max(lda, 1)), beta, c, blasint(max(ldc, 1)))
    }
}

enum LAPACK {
    /// Cholesky factorization A = L Lᵀ in place on the lower triangle of the n × n matrix A.
    /// Returns false when A is not positive definite (LAPACK `info` > 0).
    static func choleskyLower(n: Int, a: UnsafeMutablePointer<Double>, lda: Int) -> Bool {
        guard n > 0 else { return true }
        return LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "L")), Int32(n), a, Int32(max(lda, 1))) == 0
    }
}
