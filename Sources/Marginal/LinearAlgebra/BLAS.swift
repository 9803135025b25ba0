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

    /// C ← α op(A) op(B) + β C, with C m × n.
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        cblas_dgemm(
            CblasColMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(max(lda, 1)), b, blasint(max(ldb, 1)),
            beta, c, blasint(max(ldc, 1)))
    }

    /// B ← B L⁻ᵀ for lower-triangular n × n L and m × n B (solves X Lᵀ = B).
    static func solveRightLowerTransposed(
        m: Int, n: Int, l: UnsafePointer<Double>, ldl: Int, b: UnsafeMutablePointer<Double>, ldb: Int
    ) {
        guard m > 0, n > 0 else { return }
        cblas_dtrsm(
            CblasColMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit,
            blasint(m), blasint(n), 1.0, l, blasint(max(ldl, 1)), b, blasint(max(ldb, 1)))
    }

    /// B ← L⁻¹ B (or L⁻ᵀ B when `transpose`) for lower-triangular n × n L and n × m B.
    static func solveLeftLower(
        transpose: Bool, n: Int, m: Int, l: UnsafePointer<Double>, ldl: Int,
        b: UnsafeMutablePointer<Double>, ldb: Int
    ) {
        guard m > 0, n > 0 else { return }
        cblas_dtrsm(
            CblasColMajor, CblasLeft, CblasLower, transpose ? CblasTrans : CblasNoTrans, CblasNonUnit,
            blasint(n), blasint(m), 1.0, l, blasint(max(ldl, 1)), b, blasint(max(ldb, 1)))
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
