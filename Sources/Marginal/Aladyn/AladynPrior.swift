import CLapack

/// The Gaussian-process prior terms of ALADYN's objective (the published `compute_gp_prior_loss`,
/// `clust_huge_amp_vectorized.py` lines 288–350): for rows v_r of T values (one trajectory each),
///
///     q = ½ Σ_r v_rᵀ Ω⁻¹ v_r,   ∂q/∂v_r = Ω⁻¹ v_r,
///
/// computed for all rows at once as one matrix product V Ω⁻¹ (Ω⁻¹ is symmetric).
enum AladynPrior {
    /// q over `rows` rows of `ages` values at `v`, with Ω⁻¹v_r written to `out` (same layout).
    static func quadratic(
        _ v: UnsafePointer<Double>, rows: Int, kernel: AladynKernel, into out: UnsafeMutablePointer<Double>
    ) -> Double {
        let t = kernel.ages
        guard rows > 0 else { return 0 }
        kernel.precision.withUnsafeBufferPointer { precision in
            cblas_dgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(rows), blasint(t), blasint(t),
                1, v, blasint(t), precision.baseAddress, blasint(t), 0, out, blasint(t))
        }
        return 0.5 * VectorKernels.dot(v, out, count: rows * t)
    }
}
