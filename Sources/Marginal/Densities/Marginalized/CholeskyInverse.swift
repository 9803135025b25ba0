import CLapack

/// S⁻¹ = (L Lᵀ)⁻¹ from a dense lower Cholesky factor L, in two BLAS-3 steps:
///
/// 1. W = L⁻¹ by recursion on halves, L = [A 0; B C] ⇒ L⁻¹ = [A⁻¹ 0; −C⁻¹BA⁻¹ C⁻¹], where the
///    off-diagonal block takes two triangular matrix products (`dtrmm`) once A and C are inverted;
/// 2. S⁻¹ = WᵀW by LAPACK `dlauum`.
///
/// The recursion does the same n³/3 flops as LAPACK `dtrtri` but in large `dtrmm` calls; with
/// Debian's OpenBLAS 0.3.21 it measured about 3× faster than `dtrtri` (11 vs 33 ms for n = 1,128,
/// one thread), which made the inverse take about as long as the factorization itself instead of
/// more than twice as long.
enum CholeskyInverse {
    /// Below this size the recursion hands over to LAPACK `dtrtri`.
    static let recursionCutoff = 96

    /// The lower triangle of (L Lᵀ)⁻¹ in place of L (n × n, leading dimension `lda`).
    /// Returns false when L has a zero on its diagonal.
    static func invertGram(n: Int, _ a: UnsafeMutablePointer<Double>, lda: Int) -> Bool {
        guard n > 0 else { return true }
        guard invertLower(n: n, a, lda: lda) else { return false }
        return LAPACKE_dlauum_work(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "L")), Int32(n), a, Int32(lda)) == 0
    }

    /// L ← L⁻¹ in place for lower-triangular L (n × n, leading dimension `lda`).
    static func invertLower(n: Int, _ a: UnsafeMutablePointer<Double>, lda: Int) -> Bool {
        if n <= recursionCutoff {
            return LAPACKE_dtrtri_work(
                LAPACK_COL_MAJOR, Int8(UInt8(ascii: "L")), Int8(UInt8(ascii: "N")), Int32(n), a, Int32(lda)) == 0
        }
        let n1 = n / 2
        let n2 = n - n1
        let upperLeft = a
        let lowerLeft = a + n1
        let lowerRight = a + n1 + n1 * lda
        guard invertLower(n: n1, upperLeft, lda: lda), invertLower(n: n2, lowerRight, lda: lda) else { return false }
        // B ← −B A⁻¹, then B ← C⁻¹ B.
        cblas_dtrmm(CblasColMajor, CblasRight, CblasLower, CblasNoTrans, CblasNonUnit,
                    blasint(n2), blasint(n1), -1, upperLeft, blasint(lda), lowerLeft, blasint(lda))
        cblas_dtrmm(CblasColMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit,
                    blasint(n2), blasint(n1), 1, lowerRight, blasint(lda), lowerLeft, blasint(lda))
        return true
    }
}
