import Foundation

/// The Laplace approximation to one individual's marginal likelihood in ALADYN, with its exact
/// gradient in the population parameters. In the basis of ``AladynTrajectoryBasis``
/// (λ_k = m_k 1 + U z_k, z ~ N(0, S), B = I ⊗ U), with f(z) = ℓ_i(m + Bz) + ½ zᵀS⁻¹z:
///
///     −log p(y_i | φ, κ, m_i) ≈ F_i = f(ẑ) + ½ log |S H̃|,   H̃ = Bᵀ G(ẑ) B + S⁻¹,
///
/// ẑ the mode (Newton's method on the exact Hessian H = BᵀA B + S⁻¹, warm-started, with a
/// backtracking line search until the Newton decrement is below 10⁻⁶·max(1, |f|), then full steps
/// until one is below 10⁻⁸ in every coordinate, then that one), and in the determinant the
/// Gauss–Newton curvature G of ``AladynIndividualTerms`` (the Hessian without the softmax's own
/// curvature), as lme4's PIRLS puts the Fisher weights of a non-canonical link in its Laplace
/// determinant. H̃ ≥ S⁻¹, so log |S H̃| ≥ 0 is smooth everywhere; with the exact H, ½ log |S H|
/// falls without bound where an individual's Hessian turns singular (a mode about to split), and
/// maximizing the marginal likelihood was drawn there (at N = 1000 L-BFGS stalled with a gradient
/// norm of 41).
///
/// The total derivative in a population parameter η (φ, κ, or m shifting every age of λ_k) is,
/// with Σ̃ = H̃⁻¹, C_t = (BΣ̃Bᵀ)_tt, q = ∂/∂λ ½ Σ_t tr(C_t G_t), w = H⁻¹Bᵀq (the exact Hessian: it
/// is how the mode moves) and δλ = Bw (the implicit-function term of the mode's movement, as in
/// Stan's embedded Laplace, Margossian et al. 2020, NeurIPS):
///
///     dF_i/dη = ∂/∂η [ ℓ_i + ½ Σ_t tr(C_t G_t) − gᵀδλ ]   at fixed ẑ, C and δλ.
final class AladynLaplace {
    let basis: AladynTrajectoryBasis
    let terms: AladynIndividualTerms
    let dimension: Int
    private let signatures: Int
    private let ages: Int
    /// λ, q, δλ and the correction's λ-gradient (K+1 × T each); C ((K+1)² × T).
    private let lambda, trace, direction, correction, covariance: UnsafeMutablePointer<Double>
    /// z-space vectors and n × n matrices (column-major): the gradient, the step, a trial point,
    /// H and its Cholesky factor, H̃'s Cholesky factor, and Σ̃.
    private let zGradient, step, trial, work, hessian, factor, curvatureFactor, inverse: UnsafeMutablePointer<Double>
    private let allocations: [UnsafeMutablePointer<Double>]
    /// Newton steps taken (derivative passes), for the progress report.
    var newtonSteps = 0

    /// The Newton decrement (relative to max(1, |f|)) below which steps are taken in full.
    static let quadraticRegion = 1e-6
    /// The largest coordinate of the last Newton step.
    static let finalStep = 1e-8
    static let maximumIterations = 200

    init(basis: AladynTrajectoryBasis, signatures kt: Int, diseases: Int) {
        self.basis = basis
        terms = AladynIndividualTerms(signatures: kt, diseases: diseases, ages: basis.ages)
        signatures = kt
        ages = basis.ages
        let n = kt * basis.rank
        dimension = n
        let t = basis.ages
        lambda = .zeros(kt * t)
        trace = .zeros(kt * t)
        direction = .zeros(kt * t)
        correction = .zeros(kt * t)
        covariance = .zeros(kt * kt * t)
        zGradient = .zeros(n)
        step = .zeros(n)
        trial = .zeros(n)
        work = .zeros(n)
        hessian = .zeros(n * n)
        factor = .zeros(n * n)
        curvatureFactor = .zeros(n * n)
        inverse = .zeros(n * n)
        allocations = [lambda, trace, direction, correction, covariance, zGradient, step, trial, work, hessian, factor,
                       curvatureFactor, inverse]
    }

    deinit {
        for pointer in allocations { pointer.deallocate() }
    }

    /// What one individual contributes: F_i, dF_i/dκ and dF_i/dm_k (K+1 values, written by
    /// ``evaluate``); dF_i/ds is added to the caller's buffer.
    struct Contribution {
        var value: Double
        var kappaGradient: Double
    }

    /// λ = m + Bz into `out`.
    private func trajectories(mean m: UnsafePointer<Double>, z: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let (r, t, u) = (basis.rank, ages, basis.vectors)
        u.withUnsafeBufferPointer { u in
            for k in 0..<signatures {
                let zk = z + k * r, row = out + k * t
                for age in 0..<t {
                    var sum = m[k]
                    for a in 0..<r { sum += u[age * r + a] * zk[a] }
                    row[age] = sum
                }
            }
        }
    }

    /// out = Bᵀ y (y is K+1 × T).
    private func project(_ y: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let (r, t, u) = (basis.rank, ages, basis.vectors)
        u.withUnsafeBufferPointer { u in
            for k in 0..<signatures {
                let row = y + k * t, ok = out + k * r
                for a in 0..<r { ok[a] = 0 }
                for age in 0..<t {
                    let value = row[age]
                    for a in 0..<r { ok[a] += u[age * r + a] * value }
                }
            }
        }
    }

    /// f(z) = ℓ_i(m + Bz) + ½ zᵀS⁻¹z.
    private func objective(_ x: AladynIndividualTerms.Individual, mean m: UnsafePointer<Double>, z: UnsafePointer<Double>) -> Double {
        trajectories(mean: m, z: z, into: lambda)
        terms.setTrajectories(lambda)
        return terms.value(x) + priorQuadratic(z)
    }

    private func priorQuadratic(_ z: UnsafePointer<Double>) -> Double {
        var sum = 0.0
        for k in 0..<signatures {
            for a in 0..<basis.rank { sum += z[k * basis.rank + a] * z[k * basis.rank + a] / basis.variances[a] }
        }
        return 0.5 * sum
    }

    /// ∇f at the current θ (from ``AladynIndividualTerms/derivatives``) into `zGradient`.
    private func zSpaceGradient(z: UnsafePointer<Double>) {
        let (r, kt) = (basis.rank, signatures)
        project(terms.gradient, into: zGradient)
        for k in 0..<kt {
            for a in 0..<r { zGradient[k * r + a] += z[k * r + a] / basis.variances[a] }
        }
    }

    /// out = Bᵀ diag(blocks) B + S⁻¹ (full, column-major) for age blocks over signature pairs
    /// ([pair·T + t], A_t or G_t).
    private func assemble(_ blocks: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let (r, t, kt, n) = (basis.rank, ages, signatures, dimension)
        basis.products.withUnsafeBufferPointer { p in
            for k in 0..<kt {
                for j in k..<kt {
                    let block = blocks + terms.pairIndex(k, j) * t
                    var pair = 0
                    for a in 0..<r {
                        for b in a..<r {
                            let value = VectorKernels.dot(p.baseAddress! + pair * t, block, count: t)
                            pair += 1
                            out[(k * r + a) + (j * r + b) * n] = value
                            out[(k * r + b) + (j * r + a) * n] = value
                            out[(j * r + a) + (k * r + b) * n] = value
                            out[(j * r + b) + (k * r + a) * n] = value
                        }
                    }
                }
            }
        }
        for k in 0..<kt {
            for a in 0..<r { out[(k * r + a) * (n + 1)] += 1 / basis.variances[a] }
        }
    }

    /// The Cholesky factor of H + μI into `factor` (LAPACK `dpotrf`, lower triangle); false if it
    /// is not positive definite.
    private func factorize(damping mu: Double) -> Bool {
        let n = dimension
        factor.update(from: hessian, count: n * n)
        if mu > 0 { for index in 0..<n { factor[index * (n + 1)] += mu } }
        return LAPACK.choleskyLower(n: n, a: factor, lda: n)
    }

    /// Moves `z` (n values, the warm start) to the mode of f and returns the individual's
    /// contribution, with dF_i/dm into `meanGradient` (K+1) and dF_i/ds added to `sigmoidGradient`.
    /// When Newton's method fails from the warm start (a previous evaluation far away may have
    /// left it anywhere) it starts again from the prior mean, z = 0.
    func evaluate(
        _ x: AladynIndividualTerms.Individual, mean m: UnsafePointer<Double>, z: UnsafeMutablePointer<Double>,
        meanGradient: UnsafeMutablePointer<Double>, sigmoidGradient: UnsafeMutablePointer<Double>
    ) throws(LaplaceFailure) -> Contribution {
        let n = dimension
        let data: Double
        do {
            data = try mode(x, mean: m, z: z)
        } catch {
            for index in 0..<n { z[index] = 0 }
            data = try mode(x, mean: m, z: z)
        }
        // H̃ = BᵀGB + S⁻¹ ≥ S⁻¹, its factor, and Σ̃ = H̃⁻¹ (LAPACK), both triangles.
        assemble(terms.gaussNewton, into: curvatureFactor)
        guard LAPACK.choleskyLower(n: n, a: curvatureFactor, lda: n) else { throw .nonFinite }
        let value = data + SmallMatrix.logDiagonal(curvatureFactor, size: n) + 0.5 * Double(signatures) * basis.logDeterminant
        inverse.update(from: curvatureFactor, count: n * n)
        guard CholeskyInverse.invertGram(n: n, inverse, lda: n) else { throw .nonFinite }
        for j in 0..<n { for i in 0..<j { inverse[i + j * n] = inverse[j + i * n] } }
        fillCovariances()
        let kt = signatures, t = ages
        var kappaGradient = terms.traceGradient(x, covariance: covariance, into: trace, sigmoidGradient: sigmoidGradient)
        // w = H⁻¹Bᵀq (the exact Hessian's factor), δλ = Bw.
        project(trace, into: work)
        SmallMatrix.solveLower(factor, work, size: n)
        SmallMatrix.solveLowerTransposed(factor, work, size: n)
        let zero = [Double](repeating: 0, count: kt)
        zero.withUnsafeBufferPointer { trajectories(mean: $0.baseAddress!, z: work, into: direction) }
        kappaGradient += terms.correctionGradient(x, direction: direction, into: correction, sigmoidGradient: sigmoidGradient)
        for k in 0..<kt {
            var sum = 0.0
            for age in 0..<t { sum += trace[k * t + age] + correction[k * t + age] }
            meanGradient[k] = sum
        }
        return Contribution(value: value, kappaGradient: kappaGradient)
    }

    /// The mode's λ = m + Bẑ into `out` (K+1 × T).
    func modeTrajectories(mean m: UnsafePointer<Double>, z: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        trajectories(mean: m, z: z, into: out)
    }

    /// Newton's method from `z`; returns f(ẑ) with H's Cholesky factor in `factor` and θ at ẑ.
    ///
    /// Once a full Newton step is at most 10⁻⁸ in every coordinate it is taken and the derivatives
    /// are recomputed there: quadratic convergence puts ẑ within ~10⁻¹⁶ of the mode. That matters
    /// because ½ log |H| has a non-zero gradient in z (the v of the adjoint), so an error δz in the
    /// mode moves F_i by O(δz), not O(δz²) as f alone would.
    private func mode(_ x: AladynIndividualTerms.Individual, mean m: UnsafePointer<Double>, z: UnsafeMutablePointer<Double>) throws(LaplaceFailure) -> Double {
        let n = dimension
        var finishing = false
        for _ in 0..<Self.maximumIterations {
            newtonSteps += 1
            trajectories(mean: m, z: z, into: lambda)
            terms.setTrajectories(lambda)
            let f = terms.derivatives(x) + priorQuadratic(z)
            guard f.isFinite else { throw .nonFinite }
            zSpaceGradient(z: z)
            assemble(terms.hessian, into: hessian)
            let positive = factorize(damping: 0)
            if finishing {
                guard positive else { throw .indefinite }
                return f
            }
            if !positive { try dampedFactor() }
            for index in 0..<n { step[index] = -zGradient[index] }
            SmallMatrix.solveLower(factor, step, size: n)
            SmallMatrix.solveLowerTransposed(factor, step, size: n)
            var decrement = 0.0, largest = 0.0
            for index in 0..<n {
                decrement -= zGradient[index] * step[index]
                largest = max(largest, abs(step[index]))
            }
            if positive, largest <= Self.finalStep || decrement <= Self.quadraticRegion * max(1, abs(f)) {
                // Within Newton's quadratic convergence: full steps, no line search (whose Armijo test
                // rounding would decide near the mode).
                for index in 0..<n { z[index] += step[index] }
                finishing = largest <= Self.finalStep
                continue
            }
            // Backtracking (Armijo) line search on f.
            var alpha = 1.0
            var accepted = false
            for _ in 0..<50 {
                for index in 0..<n { trial[index] = z[index] + alpha * step[index] }
                let value = objective(x, mean: m, z: trial)
                if value.isFinite, value <= f - 1e-4 * alpha * decrement {
                    accepted = true
                    break
                }
                alpha *= 0.5
            }
            guard accepted else { throw .noProgress }
            for index in 0..<n { z[index] = trial[index] }
        }
        throw .iterations
    }

    /// The Cholesky factor of H + μI for the smallest μ = 10⁻⁸·10^j·max diag that is positive
    /// definite (a Levenberg step away from the mode, where the Hessian of ℓ may be indefinite).
    private func dampedFactor() throws(LaplaceFailure) {
        let n = dimension
        var largest = 0.0
        for index in 0..<n { largest = max(largest, abs(hessian[index * (n + 1)])) }
        var mu = 1e-8 * max(largest, 1)
        for _ in 0..<30 {
            if factorize(damping: mu) { return }
            mu *= 10
        }
        throw .indefinite
    }

    /// C_t = (BΣ̃Bᵀ)_tt for every pair of signatures: C_kj(t) = Σ_ab U_ta Σ̃_(k,a),(j,b) U_tb.
    private func fillCovariances() {
        let (r, t, kt, n) = (basis.rank, ages, signatures, dimension)
        basis.vectors.withUnsafeBufferPointer { u in
            for k in 0..<kt {
                for j in k..<kt {
                    let out = covariance + (k * kt + j) * t
                    for age in 0..<t {
                        var sum = 0.0
                        for b in 0..<r {
                            var inner = 0.0
                            let column = inverse + (j * r + b) * n + k * r
                            for a in 0..<r { inner += u[age * r + a] * column[a] }
                            sum += inner * u[age * r + b]
                        }
                        out[age] = sum
                    }
                    if j != k {
                        (covariance + (j * kt + k) * t).update(from: out, count: t)
                    }
                }
            }
        }
    }

    /// Why an individual's mode was not found.
    enum LaplaceFailure: Error, CustomStringConvertible {
        case nonFinite, noProgress, iterations, indefinite

        var description: String {
            switch self {
            case .nonFinite: return "its log density is not finite"
            case .noProgress: return "the line search made no progress"
            case .iterations: return "Newton's method did not converge in \(AladynLaplace.maximumIterations) steps"
            case .indefinite: return "the Hessian at the mode is not positive definite"
            }
        }
    }
}
