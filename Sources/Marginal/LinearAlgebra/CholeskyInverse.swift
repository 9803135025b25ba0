import CLapack

/// S⁻¹ = (L Lᵀ)⁻¹ from a dense lower Cholesky factor L, in two BLAS-3 steps:
///
/// 1. W = L⁻¹ by recursion on halves, L = [A 0; B C] ⇒ L⁻¹ = [A⁻¹ 0; −C⁻¹BA⁻¹ C⁻¹], where the
///    off-diagonal block takes two triangular matrix products (`dtrmm`) once A and C are inverted;
/// 2. S⁻¹ = WᵀW by LAPACK `dlauum`.
///
/// The recursion does the same n³/3 flops as LAPACK `dtrtri` but in large `dtrmm` calls; with
/// Debian's OpenBLAS 0.3.21 it measured about 2× faster than `dtrtri` (7.3 vs 16.5 ms for
/// n = 1,128, one thread, SkylakeX kernels).
///
/// ``factorAndInvert(n:_:lda:_:ldw:)`` computes L and L⁻¹ together, from the halves of A: with
/// L₁₁ and W₁₁ = L₁₁⁻¹ of the leading half, the off-diagonal block of L is L₂₁ = A₂₁ W₁₁ᵀ (a
/// triangular multiplication instead of `dpotrf`'s triangular solve), the trailing half is the
/// same recursion on A₂₂ − L₂₁L₂₁ᵀ, and W₂₁ = −W₂₂ L₂₁ W₁₁. Measured at n = 1,128: 15.0 ms for
/// both, against 11.4 (`dpotrf`) + 7.3 (the recursive inverse) separately.
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

    /// A⁻¹ (both triangles, column-major) of a symmetric positive-definite n × n matrix `a`
    /// (column-major, lower triangle read) through its Cholesky factor, or nil when `a` is not
    /// positive definite: what inverting a small Hessian for asymptotic covariances needs.
    static func inverseOfPositiveDefinite(_ a: [Double], n: Int) -> [Double]? {
        var inverse = a
        let inverted = inverse.withUnsafeMutableBufferPointer { ip in
            guard let base = ip.baseAddress else { return n == 0 }
            return LAPACK.choleskyLower(n: n, a: base, lda: n) && invertGram(n: n, base, lda: n)
        }
        guard inverted else { return nil }
        for j in 0..<n { for i in 0..<j { inverse[i + j * n] = inverse[j + i * n] } }
        return inverse
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

    /// The size of the leading half of an n × n recursion step: half, rounded down to a multiple
    /// of 16 (the BLAS kernels' blocking) once the halves are large.
    private static func split(_ n: Int) -> Int {
        let half = n / 2
        return half >= recursionCutoff ? half / 16 * 16 : half
    }

    /// A = L Lᵀ in place (lower triangle of the n × n matrix at `a`) and W = L⁻¹ into the lower
    /// triangle of `w` (leading dimension `ldw`; the strict upper triangle is not referenced).
    /// Returns false when A is not positive definite.
    static func factorAndInvert(
        n: Int, _ a: UnsafeMutablePointer<Double>, lda: Int, _ w: UnsafeMutablePointer<Double>, ldw: Int
    ) -> Bool {
        guard n > 0 else { return true }
        if n <= recursionCutoff {
            guard LAPACK.choleskyLower(n: n, a: a, lda: lda) else { return false }
            for j in 0..<n { (w + j * ldw + j).update(from: a + j * lda + j, count: n - j) }
            return invertLower(n: n, w, lda: ldw)
        }
        let n1 = split(n)
        let n2 = n - n1
        let a21 = a + n1, a22 = a + n1 + n1 * lda
        let w21 = w + n1, w22 = w + n1 + n1 * ldw
        guard factorAndInvert(n: n1, a, lda: lda, w, ldw: ldw) else { return false }
        // L₂₁ = A₂₁ W₁₁ᵀ, then A₂₂ − L₂₁L₂₁ᵀ.
        cblas_dtrmm(CblasColMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit,
                    blasint(n2), blasint(n1), 1, w, blasint(ldw), a21, blasint(lda))
        cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, blasint(n2), blasint(n1), -1, a21, blasint(lda), 1, a22, blasint(lda))
        guard factorAndInvert(n: n2, a22, lda: lda, w22, ldw: ldw) else { return false }
        // W₂₁ = −W₂₂ L₂₁ W₁₁.
        for j in 0..<n1 { (w21 + j * ldw).update(from: a21 + j * lda, count: n2) }
        cblas_dtrmm(CblasColMajor, CblasRight, CblasLower, CblasNoTrans, CblasNonUnit,
                    blasint(n2), blasint(n1), -1, w, blasint(ldw), w21, blasint(ldw))
        cblas_dtrmm(CblasColMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit,
                    blasint(n2), blasint(n1), 1, w22, blasint(ldw), w21, blasint(ldw))
        return true
    }

    /// Finishes the factor of the n × n matrix at `a` whose leading `split` × `split` block is
    /// already factored with inverse W (at `inverse`, leading dimension `ldw`): rows `split..<n`
    /// get L₂₁ = A₂₁ Wᵀ and the Cholesky factor of A₂₂ − L₂₁L₂₁ᵀ.
    static func factorRemainder(
        n: Int, split n1: Int, _ a: UnsafeMutablePointer<Double>, lda: Int,
        inverse w: UnsafePointer<Double>, ldw: Int
    ) -> Bool {
        let n2 = n - n1
        guard n2 > 0 else { return true }
        if n1 > 0 {
            cblas_dtrmm(CblasColMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit,
                        blasint(n2), blasint(n1), 1, w, blasint(ldw), a + n1, blasint(lda))
            cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, blasint(n2), blasint(n1), -1, a + n1, blasint(lda),
                        1, a + n1 + n1 * lda, blasint(lda))
        }
        return LAPACK.choleskyLower(n: n2, a: a + n1 + n1 * lda, lda: lda)
    }

    /// S⁻¹ = WᵀW (lower triangle) in place of W = L⁻¹ (LAPACK `dlauum`).
    static func gramOfInverse(n: Int, _ w: UnsafeMutablePointer<Double>, lda: Int) -> Bool {
        guard n > 0 else { return true }
        return LAPACKE_dlauum_work(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "L")), Int32(n), w, Int32(lda)) == 0
    }
}
