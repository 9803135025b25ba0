import Foundation

/// One individual's data term ℓ_i(λ_i) of ALADYN and the derivatives the Laplace approximation
/// needs, over preallocated storage with the ages innermost (arrays [k·T + t]):
///
///     ℓ_i = Σ_d Σ_{t ≤ E_id} c(π_dt),   π_dt = κ m_dt,   m_dt = θ_tᵀ s_dt,   θ_t = softmax(λ_·t),
///
/// with s_kdt = σ(φ_kdt) and c the cell term of ``AladynCellDerivatives``. ℓ_i depends on λ only
/// through each age's θ_t, so its Hessian is block-diagonal over ages. With u_d = J s_d =
/// θ ∘ (s_d − m_d) the gradient of m_d (J = diag θ − θθᵀ, the softmax Jacobian) and
/// a = ∂ℓ/∂θ_t = κ Σ_d c′ s_d:
///
///     g_t = J a = κ Σ_d c′ u_d,
///     G_t = κ² Σ_d c″ u_d u_dᵀ                      (the Gauss–Newton part, positive semidefinite),
///     A_t = G_t + diag(g_t) − g_t θᵀ − θ g_tᵀ        (the Hessian: G_t plus the softmax's curvature).
///
/// The Laplace term's gradient needs third derivatives, as two reverse passes (hand-made
/// reverse-mode differentiation, checked against finite differences in the tests):
///
/// - ``traceGradient``: τ = ½ Σ_t tr(C_t G_t) = Σ_{d,t} ½κ² c″ u_dᵀC u_d for fixed symmetric C_t;
/// - ``correctionGradient``: ℓ_i − gᵀδλ for a fixed direction δλ, which is Σ_{d,t} [c − κ c′ u_dᵀδλ_t];
///
/// each differentiated in λ (through θ), in s (accumulated into a caller's buffer) and in κ.
final class AladynIndividualTerms {
    let signatures: Int
    let diseases: Int
    let ages: Int
    /// θ (K+1 × T).
    let theta: UnsafeMutablePointer<Double>
    /// ∂ℓ/∂λ (K+1 × T) after ``derivatives``.
    let gradient: UnsafeMutablePointer<Double>
    /// The Hessian blocks A_t and their Gauss–Newton parts G_t for pairs k ≤ j in row order
    /// (pairIndex), [pair·T + t].
    let hessian, gaussNewton: UnsafeMutablePointer<Double>
    /// Scratch over ages: the mixture, the cell derivatives, the θ-space gradient and backward sums.
    private let mix, first, second, third, factor: UnsafeMutablePointer<Double>
    private let thetaBar, u, cu: UnsafeMutablePointer<Double>
    private let allocations: [UnsafeMutablePointer<Double>]

    init(signatures kt: Int, diseases: Int, ages t: Int) {
        self.signatures = kt
        self.diseases = diseases
        ages = t
        let pairs = kt * (kt + 1) / 2
        theta = .zeros(kt * t)
        gradient = .zeros(kt * t)
        hessian = .zeros(pairs * t)
        gaussNewton = .zeros(pairs * t)
        mix = .zeros(t)
        first = .zeros(t)
        second = .zeros(t)
        third = .zeros(t)
        factor = .zeros(t)
        thetaBar = .zeros(kt * t)
        u = .zeros(kt * t)
        cu = .zeros(kt * t)
        allocations = [theta, gradient, hessian, gaussNewton, mix, first, second, third, factor, thetaBar, u, cu]
    }

    deinit {
        for pointer in allocations { pointer.deallocate() }
    }

    /// The index of the pair k ≤ j among the (K+1)(K+2)/2 pairs in row order.
    @inline(__always)
    func pairIndex(_ k: Int, _ j: Int) -> Int { k * signatures - k * (k - 1) / 2 + (j - k) }

    /// One individual's data: its exit ages E_id and diagnosis flags (D each), σ(φ) and κ.
    struct Individual {
        let exits: UnsafePointer<Int32>
        let diagnosed: UnsafePointer<Bool>
        let sigmoid: UnsafePointer<Double>
        let kappa: Double
    }

    /// θ = softmax(λ) into ``theta``.
    func setTrajectories(_ lambda: UnsafePointer<Double>) {
        AladynLikelihood.softmax(lambda, into: theta, signatures: signatures, ages: ages)
    }

    /// Fills the ages' cell derivatives of disease d (c′ in `first`, c″ in `second`, c‴ in `third`,
    /// the mixture in `mix`, the cells' probabilities in `factor`) and returns the disease's count
    /// of ages at risk and Σ c.
    @inline(__always)
    private func cells(_ x: Individual, disease d: Int, orders: Int) -> (count: Int, value: Double) {
        let (kt, t) = (signatures, ages)
        let exit = Int(x.exits[d])
        let n = min(exit + 1, t)
        for a in 0..<n { mix[a] = 0 }
        for k in 0..<kt {
            let s = x.sigmoid + (k * diseases + d) * t, th = theta + k * t
            for a in 0..<n { mix[a] += th[a] * s[a] }
        }
        let diagnosed = x.diagnosed[d]
        var excess = 0.0
        for a in 0..<n {
            let cell = AladynCellDerivatives(hazard: x.kappa * mix[a], diagnosis: diagnosed && a == exit)
            factor[a] = cell.probability
            excess += cell.excess
            first[a] = cell.first
            if orders >= 2 { second[a] = cell.second }
            if orders >= 3 { third[a] = cell.third }
        }
        return (n, excess - VectorKernels.logProduct(factor, count: n))
    }

    /// ℓ_i at the current θ.
    func value(_ x: Individual) -> Double {
        var total = 0.0
        for d in 0..<diseases { total += cells(x, disease: d, orders: 1).value }
        return total
    }

    /// ℓ_i, with g into ``gradient``, the blocks A_t into ``hessian`` and G_t into ``gaussNewton``,
    /// at the current θ.
    func derivatives(_ x: Individual) -> Double {
        let (kt, t, kappa) = (signatures, ages, x.kappa)
        let pairs = kt * (kt + 1) / 2
        let a = thetaBar, m = hessian
        for index in 0..<(kt * t) { a[index] = 0 }
        for index in 0..<(pairs * t) { m[index] = 0 }
        var total = 0.0
        for d in 0..<diseases {
            let (n, value) = cells(x, disease: d, orders: 2)
            total += value
            for index in 0..<n {
                first[index] *= kappa
                second[index] *= kappa * kappa
            }
            for k in 0..<kt {
                let sk = x.sigmoid + (k * diseases + d) * t, ak = a + k * t
                for index in 0..<n { ak[index] += first[index] * sk[index] }
                for j in k..<kt {
                    let sj = x.sigmoid + (j * diseases + d) * t, mkj = m + pairIndex(k, j) * t
                    for index in 0..<n { mkj[index] += second[index] * sk[index] * sj[index] }
                }
            }
        }
        // Per age: g = θ ∘ (a − θᵀa); G = J M J (M = κ² Σ_d c″ s_d s_dᵀ); A = G + diag g − gθᵀ − θgᵀ
        // in place of M. μ = Mθ in `u`.
        for age in 0..<t {
            var mean = 0.0
            for k in 0..<kt { mean += theta[k * t + age] * a[k * t + age] }
            for k in 0..<kt { gradient[k * t + age] = theta[k * t + age] * (a[k * t + age] - mean) }
            var nu = 0.0
            for k in 0..<kt {
                var sum = 0.0
                for j in 0..<kt { sum += m[pairIndex(min(k, j), max(k, j)) * t + age] * theta[j * t + age] }
                u[k * t + age] = sum
                nu += theta[k * t + age] * sum
            }
            for k in 0..<kt {
                let (thk, gk, muk) = (theta[k * t + age], gradient[k * t + age], u[k * t + age])
                for j in k..<kt {
                    let (thj, gj, muj) = (theta[j * t + age], gradient[j * t + age], u[j * t + age])
                    let index = pairIndex(k, j) * t + age
                    let gaussNewtonPart = thk * thj * (m[index] - muk - muj + nu)
                    gaussNewton[index] = gaussNewtonPart
                    m[index] = gaussNewtonPart - gk * thj - thk * gj + (k == j ? gk : 0)
                }
            }
        }
        return total
    }

    /// out ← J θ̄ per age: out_k = θ_k (θ̄_k − θᵀθ̄), the pull-back of a θ-gradient to λ.
    private func pullBack(_ bar: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let (kt, t) = (signatures, ages)
        for age in 0..<t {
            var mean = 0.0
            for k in 0..<kt { mean += theta[k * t + age] * bar[k * t + age] }
            for k in 0..<kt { out[k * t + age] = theta[k * t + age] * (bar[k * t + age] - mean) }
        }
    }

    /// The chain from a cell's u-gradient ū (in `cu`), π̄ (`first`) and the disease's s and m to
    /// θ̄ and s̄: m̄ = −ūᵀθ + κπ̄; θ̄ += ū ∘ (s − m) + m̄ s; s̄ += θ ∘ (ū + m̄).
    @inline(__always)
    private func chain(_ x: Individual, disease d: Int, count n: Int, sigmoidGradient: UnsafeMutablePointer<Double>) {
        let (kt, t) = (signatures, ages)
        for index in 0..<n { factor[index] = x.kappa * first[index] }
        for k in 0..<kt {
            let uk = cu + k * t, th = theta + k * t
            for index in 0..<n { factor[index] -= uk[index] * th[index] }
        }
        for k in 0..<kt {
            let s = x.sigmoid + (k * diseases + d) * t, uk = cu + k * t, th = theta + k * t
            let tb = thetaBar + k * t, sb = sigmoidGradient + (k * diseases + d) * t
            for index in 0..<n {
                tb[index] += uk[index] * (s[index] - mix[index]) + factor[index] * s[index]
                sb[index] += th[index] * (uk[index] + factor[index])
            }
        }
    }

    /// ∂τ/∂λ into `out` for τ = ½ Σ_t tr(C_t G_t) at the current θ, with ∂τ/∂s added to
    /// `sigmoidGradient` ((K+1) × D × T) and ∂τ/∂κ returned. `c` holds each C_t in full,
    /// [(k·(K+1) + j)·T + t]. Per cell, with Q = uᵀCu: ū = κ²c″ Cu, π̄ = ½κ²c‴ Q, κ̄ += κc″ Q + m π̄.
    func traceGradient(
        _ x: Individual, covariance c: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>,
        sigmoidGradient: UnsafeMutablePointer<Double>
    ) -> Double {
        let (kt, t, kappa) = (signatures, ages, x.kappa)
        for index in 0..<(kt * t) { thetaBar[index] = 0 }
        var kappaBar = 0.0
        for d in 0..<diseases {
            let (n, _) = cells(x, disease: d, orders: 3)
            for k in 0..<kt {
                let s = x.sigmoid + (k * diseases + d) * t, th = theta + k * t, uk = u + k * t
                for index in 0..<n { uk[index] = th[index] * (s[index] - mix[index]) }
            }
            // Cu, and Q = uᵀCu per age in `factor`.
            for index in 0..<n { factor[index] = 0 }
            for k in 0..<kt {
                let cuk = cu + k * t
                for index in 0..<n { cuk[index] = 0 }
                for j in 0..<kt {
                    let ckj = c + (k * kt + j) * t, uj = u + j * t
                    for index in 0..<n { cuk[index] += ckj[index] * uj[index] }
                }
                let uk = u + k * t
                for index in 0..<n { factor[index] += uk[index] * cuk[index] }
            }
            let kappa2 = kappa * kappa
            for index in 0..<n {
                let (c2, c3, q) = (second[index], third[index], factor[index])
                let piBar = 0.5 * kappa2 * c3 * q
                kappaBar += kappa * c2 * q + mix[index] * piBar
                first[index] = piBar
            }
            for k in 0..<kt {
                let cuk = cu + k * t
                for index in 0..<n { cuk[index] *= kappa2 * second[index] }
            }
            chain(x, disease: d, count: n, sigmoidGradient: sigmoidGradient)
        }
        pullBack(thetaBar, into: out)
        return kappaBar
    }

    /// ∂/∂λ of ℓ_i − gᵀδλ (δλ fixed) into `out`, with its s-gradient added to `sigmoidGradient`
    /// and its κ-gradient returned, at the current θ.
    func correctionGradient(
        _ x: Individual, direction delta: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>,
        sigmoidGradient: UnsafeMutablePointer<Double>
    ) -> Double {
        let (kt, t, kappa) = (signatures, ages, x.kappa)
        for index in 0..<(kt * t) { thetaBar[index] = 0 }
        var kappaBar = 0.0
        for d in 0..<diseases {
            let (n, _) = cells(x, disease: d, orders: 2)
            for index in 0..<n { factor[index] = 0 }
            for k in 0..<kt {
                let s = x.sigmoid + (k * diseases + d) * t, th = theta + k * t, dk = delta + k * t
                for index in 0..<n { factor[index] += th[index] * (s[index] - mix[index]) * dk[index] }
            }
            for index in 0..<n {
                let (c1, c2, p) = (first[index], second[index], factor[index])
                let piBar = c1 - kappa * c2 * p
                kappaBar += -c1 * p + mix[index] * piBar
                for k in 0..<kt { cu[k * t + index] = -kappa * c1 * delta[k * t + index] }
                first[index] = piBar
            }
            chain(x, disease: d, count: n, sigmoidGradient: sigmoidGradient)
        }
        pullBack(thetaBar, into: out)
        return kappaBar
    }
}
