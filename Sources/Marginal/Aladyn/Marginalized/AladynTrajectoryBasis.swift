import Foundation

/// The leading eigen-directions of ALADYN's trajectory kernel Ω_λ, in which the marginal method
/// writes each individual's deviations from the prior mean:
///
///     λ_ik = m_ik 1 + U z_ik,   z_ik ~ N(0, S),   Ω_λ = Q diag(s) Qᵀ,   U = Q[:, 1…r],   S = diag(s₁…s_r),
///
/// keeping the r eigenvalues above `tolerance` × the largest. The squared-exponential kernel's
/// spectrum falls like exp(−c j²) down to the 10⁻⁶ jitter: at T = 52 (ℓ = 13) the tenth eigenvalue
/// is 3·10⁻⁵ of the largest and the rest are the jitter, so the default keeps r = 10 of 52 and each
/// dropped direction has an SD of 0.002 or less in λ. `tolerance` = 0 keeps all T (the published
/// prior exactly). The Laplace approximation is invariant to the shift by m, so this
/// non-centred form changes nothing but the dimension.
///
/// Also keeps, for the Hessian's congruence Uᵀ diag(a) U, the products P_ab(t) = U_ta U_tb for
/// a ≤ b (pair-major, ages fastest).
struct AladynTrajectoryBasis: Sendable {
    let ages: Int
    let rank: Int
    /// U, T × r row-major: U[t·r + a].
    let vectors: [Double]
    /// s_a, descending.
    let variances: [Double]
    /// P_ab(t) for the r(r+1)/2 pairs a ≤ b in row order: products[pair·T + t].
    let products: [Double]
    /// Σ_a log s_a (= log |S|).
    let logDeterminant: Double

    static let defaultTolerance = 1e-6

    init(kernel: AladynKernel, tolerance: Double = defaultTolerance) throws(AladynError) {
        guard tolerance.isFinite, tolerance >= 0, tolerance < 1 else {
            throw .invalidValue(what: "the trajectory basis tolerance", value: "\(tolerance)", requirement: "in [0, 1)")
        }
        let t = kernel.ages
        var q = kernel.covariance
        let ascending: [Double]
        do {
            ascending = try KnownCovarianceLinearAlgebra.symmetricEigen(&q, n: t)
        } catch {
            throw .kernelNotPositiveDefinite(lengthScale: kernel.lengthScale)
        }
        guard let largest = ascending.last, largest > 0, ascending[0] > 0 else {
            throw .kernelNotPositiveDefinite(lengthScale: kernel.lengthScale)
        }
        let kept = Array(ascending.indices.reversed().filter { ascending[$0] > tolerance * largest })
        let r = kept.count
        ages = t
        rank = r
        variances = kept.map { ascending[$0] }
        // Column `kept[a]` of the column-major Q is eigenvector a.
        var u = [Double](repeating: 0, count: t * r)
        for (a, column) in kept.enumerated() {
            for row in 0..<t { u[row * r + a] = q[row + column * t] }
        }
        vectors = u
        var p = [Double](repeating: 0, count: r * (r + 1) / 2 * t)
        var pair = 0
        for a in 0..<r {
            for b in a..<r {
                for row in 0..<t { p[pair * t + row] = u[row * r + a] * u[row * r + b] }
                pair += 1
            }
        }
        products = p
        logDeterminant = variances.reduce(0) { $0 + log($1) }
    }
}
