import CLapack

/// The BLAS and LAPACK calls of the known-covariance route, on column-major `Double` storage.
enum KnownCovarianceLinearAlgebra {
    /// Eigendecomposition A = Q Λ Qᵀ of the symmetric n × n matrix whose lower triangle is in `a`
    /// (LAPACK `dsyevd`, divide and conquer). On return `a` holds Q (eigenvectors in columns) and
    /// the result is Λ in ascending order. Throws when LAPACK reports failure.
    static func symmetricEigen(_ a: inout [Double], n: Int) throws(KnownCovarianceError) -> [Double] {
        var eigenvalues = [Double](repeating: 0, count: n)
        guard n > 0 else { return eigenvalues }
        let lower = Int8(UInt8(ascii: "L"))
        let vectors = Int8(UInt8(ascii: "V"))
        var workSize = 0.0
        var iworkSize: Int32 = 0
        var info = a.withUnsafeMutableBufferPointer { ap in
            eigenvalues.withUnsafeMutableBufferPointer { wp in
                LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, vectors, lower, Int32(n), ap.baseAddress, Int32(n), wp.baseAddress,
                                    &workSize, -1, &iworkSize, -1)
            }
        }
        guard info == 0 else { throw .eigendecompositionFailed(dimension: n, info: Int(info)) }
        var work = [Double](repeating: 0, count: max(Int(workSize), 1))
        var iwork = [Int32](repeating: 0, count: max(Int(iworkSize), 1))
        info = a.withUnsafeMutableBufferPointer { ap in
            eigenvalues.withUnsafeMutableBufferPointer { wp in
                work.withUnsafeMutableBufferPointer { w in
                    iwork.withUnsafeMutableBufferPointer { iw in
                        LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, vectors, lower, Int32(n), ap.baseAddress, Int32(n), wp.baseAddress,
                                            w.baseAddress, Int32(w.count), iw.baseAddress, Int32(iw.count))
                    }
                }
            }
        }
        guard info == 0 else { throw .eigendecompositionFailed(dimension: n, info: Int(info)) }
        return eigenvalues
    }

    /// C ← α op(A) op(B) + β C with op(A) m × k, op(B) k × n.
    static func multiply(
        transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int, alpha: Double = 1,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int, beta: Double = 0,
        c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        cblas_dgemm(CblasColMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(max(lda, 1)), b, blasint(max(ldb, 1)),
                    beta, c, blasint(max(ldc, 1)))
    }

    /// y ← α op(A) x + β y for the m × n matrix A (op(A) = Aᵀ when `transpose`). Does nothing
    /// to y when A has no elements and β = 1; sets y to β y when it has none.
    static func multiplyVector(
        transpose: Bool = false, m: Int, n: Int, alpha: Double = 1, a: UnsafePointer<Double>?, lda: Int,
        x: UnsafePointer<Double>?, beta: Double = 0, y: UnsafeMutablePointer<Double>?
    ) {
        let length = transpose ? n : m
        guard let y, length > 0 else { return }
        guard m > 0, n > 0, let a, let x else {
            for i in 0..<length { y[i] *= beta }
            return
        }
        cblas_dgemv(CblasColMajor, transpose ? CblasTrans : CblasNoTrans, blasint(m), blasint(n), alpha, a,
                    blasint(max(lda, 1)), x, 1, beta, y, 1)
    }

    /// C ← C + A Aᵀ on the lower triangle of the n × n matrix C, for the n × k matrix A.
    static func addOuterProducts(n: Int, k: Int, a: UnsafePointer<Double>, lda: Int, c: UnsafeMutablePointer<Double>, ldc: Int) {
        guard n > 0, k > 0 else { return }
        cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, blasint(n), blasint(k), 1, a, blasint(max(lda, 1)), 1, c, blasint(max(ldc, 1)))
    }

    /// The single-precision form of ``addOuterProducts(n:k:a:lda:c:ldc:)`` (ssyrk).
    static func addOuterProducts(n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard n > 0, k > 0 else { return }
        cblas_ssyrk(CblasColMajor, CblasLower, CblasNoTrans, blasint(n), blasint(k), 1, a, blasint(max(lda, 1)), 1, c, blasint(max(ldc, 1)))
    }
}
