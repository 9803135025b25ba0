import Foundation

/// The fixed Gaussian-process covariance over the T ages that ALADYN puts on each trajectory:
/// the squared-exponential kernel Ω(t, t′) = exp(−(t − t′)² / (2ℓ²)) + 10⁻⁶ 1{t = t′}, with
/// ℓ = T/4 for the signature loadings λ and ℓ = T/3 for the disease logits φ (amplitude 1; the
/// jitter 10⁻⁶ as in the published code, `clust_huge_amp_vectorized.py` lines 26, 34–58).
///
/// An amplitude a other than 1 scales the kernel part (a²·exp(…) + 10⁻⁶ 1{t = t′}): the published
/// initialization draws its starting trajectories with a = 0.1 (`init_sd_scaler`, lines 38–49).
///
/// Keeps the lower Cholesky factor L (Ω = L Lᵀ, for drawing trajectories) and the precision Ω⁻¹
/// (for the prior's quadratic form ½ vᵀΩ⁻¹v and its gradient Ω⁻¹v), both T × T row-major.
public struct AladynKernel: Sendable {
    public let ages: Int
    public let lengthScale: Double
    public let covariance: [Double]
    public let cholesky: [Double]
    public let precision: [Double]

    public static let jitter = 1e-6

    public init(ages: Int, lengthScale: Double, amplitude: Double = 1) throws(AladynError) {
        guard ages >= 1 else { throw .invalidDimension(name: "ages", value: ages) }
        guard lengthScale.isFinite, lengthScale > 0 else {
            throw .invalidValue(what: "the kernel length scale", value: "\(lengthScale)", requirement: "a positive finite number")
        }
        self.ages = ages
        self.lengthScale = lengthScale
        var omega = [Double](repeating: 0, count: ages * ages)
        for s in 0..<ages {
            for t in 0..<ages {
                let difference = Double(s - t)
                omega[s * ages + t] = amplitude * amplitude * exp(-0.5 * difference * difference / (lengthScale * lengthScale)) + (s == t ? Self.jitter : 0)
            }
        }
        covariance = omega
        var factor = omega
        let factored = factor.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.map { LAPACK.choleskyLower(n: ages, a: $0, lda: ages) } ?? false
        }
        // LAPACK works column-major (the symmetric Ω reads the same either way) and leaves
        // L(row, column) at row + column·T; keep L row-major with zeros above the diagonal.
        guard factored, let inverse = CholeskyInverse.inverseOfPositiveDefinite(omega, n: ages) else {
            throw .kernelNotPositiveDefinite(lengthScale: lengthScale)
        }
        var lower = [Double](repeating: 0, count: ages * ages)
        for row in 0..<ages {
            for column in 0...row { lower[row * ages + column] = factor[row + column * ages] }
        }
        cholesky = lower
        precision = inverse
    }

    /// The published kernels for T ages: (λ: ℓ = T/4, φ: ℓ = T/3).
    public static func published(ages: Int) throws(AladynError) -> (lambda: AladynKernel, phi: AladynKernel) {
        (try AladynKernel(ages: ages, lengthScale: Double(ages) / 4), try AladynKernel(ages: ages, lengthScale: Double(ages) / 3))
    }
}
