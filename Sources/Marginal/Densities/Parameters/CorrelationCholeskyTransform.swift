import Foundation

/// The map from ℝ^(m(m−1)/2) to the Cholesky factor L of an m × m correlation matrix Ω = L Lᵀ
/// through canonical partial correlations (Lewandowski, Kurowicka & Joe 2009; the transform of
/// Stan's `cholesky_factor_corr`):
///
///     z_ij = tanh(y_ij),   L₀₀ = 1,
///     L_ij = z_ij · √(1 − Σ_{k<j} L_ik²)   (j < i),   L_ii = √(1 − Σ_{k<i} L_ik²).
///
/// The unconstrained values are taken row by row: (1,0), (2,0), (2,1), (3,0), …
/// The Jacobian of y ↦ (L_ij)_{j<i} is triangular, so
/// log |J| = Σ_{j<i} [log(1 − z_ij²) + ½ log(1 − Σ_{k<j} L_ik²)].
///
/// Each row depends only on its own y's, so the reverse pass (``pullBack``) runs row by row.
enum CorrelationCholeskyTransform {
    /// Number of unconstrained values for an m × m correlation matrix.
    static func count(dimension m: Int) -> Int { m * (m - 1) / 2 }

    /// Writes L (m × m column-major, zeros above the diagonal) for the unconstrained `y`
    /// and returns log |J|.
    static func forward(_ y: UnsafeBufferPointer<Double>, dimension m: Int, into l: UnsafeMutablePointer<Double>) -> Double {
        l.update(repeating: 0, count: m * m)
        l[0] = 1
        var logJacobian = 0.0
        var index = 0
        for i in 1..<max(m, 1) {
            var sum = 0.0
            for j in 0..<i {
                let z = tanh(y[index])
                let remaining = 1 - sum
                let value = z * remaining.squareRoot()
                l[i + j * m] = value
                logJacobian += log1p(-z * z) + 0.5 * log(remaining)
                sum += value * value
                index += 1
            }
            l[i + i * m] = max(1 - sum, 0).squareRoot()
        }
        return logJacobian
    }

    /// Reverse mode: given ∂f/∂L in `lAdjoint` (lower triangle incl. diagonal; destroyed) and
    /// the L from ``forward``, adds ∂(f + log |J|)/∂y to `yAdjoint`.
    static func pullBack(
        _ y: UnsafeBufferPointer<Double>, dimension m: Int, l: UnsafePointer<Double>,
        lAdjoint: UnsafeMutablePointer<Double>, into yAdjoint: UnsafeMutableBufferPointer<Double>
    ) {
        guard m > 1 else { return }
        var rowStart = 0
        for i in 1..<m {
            // L_ii = √(1 − s_i): ∂/∂s_i = −1/(2 L_ii).
            var sAdjoint = lAdjoint[i + i * m] * (-0.5 / l[i + i * m])
            for j in stride(from: i - 1, through: 0, by: -1) {
                let lij = l[i + j * m]
                // s_j = Σ_{k<j} L_ik², summed afresh rather than by subtraction to avoid cancellation.
                var sBefore = 0.0
                for k in 0..<j { sBefore += l[i + k * m] * l[i + k * m] }
                let remaining = 1 - sBefore
                let w = remaining.squareRoot()
                let z = tanh(y[rowStart + j])
                // s_{j+1} = s_j + L_ij²
                let lijAdjoint = lAdjoint[i + j * m] + 2 * lij * sAdjoint
                // L_ij = z_ij w_j, w_j = √(1 − s_j); Jacobian term ½ log(1 − s_j).
                let zAdjoint = lijAdjoint * w
                sAdjoint += lijAdjoint * z * (-0.5 / w) - 0.5 / remaining
                // z = tanh y: dz/dy = 1 − z²; Jacobian term log(1 − z²) has derivative −2z.
                yAdjoint[rowStart + j] += zAdjoint * (1 - z * z) - 2 * z
            }
            rowStart += i
        }
    }
}
