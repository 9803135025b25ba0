/// A place for NUTS to start from and a metric to start warmup with, from a Laplace
/// approximation of the log density over its first k coordinates (the "global" ones) with the
/// others held at given values: the maximizer θ̂ of f(θ) = log p(θ, base) by L-BFGS, and the
/// diagonal of (−∇²f(θ̂))⁻¹, the Hessian by central differences of the analytic gradient.
///
/// This pays off when the coordinates' posterior scales differ by orders of magnitude and the
/// others are already standardized (the partially non-centered effects of
/// ``OneClassMarginalizedDensity``, whose conditional given the globals is close to N(0, I) at
/// base 0, so that f is close to the log marginal posterior of θ). Stan's default start — the
/// unit metric from random points in (−2, 2) — then spends the first warmup windows on
/// trajectories of up to 2^maxDepth steps: the step size must fit the narrowest scale (an SD of
/// 0.003 on the log scale, say), the trajectory the widest (1 for a standardized effect).
///
/// Only warmup changes: the chains still adapt their step size and metric over the same
/// windows, and the draws after warmup target the same posterior.
struct LaplaceStart: Sendable, Equatable {
    /// θ̂ followed by the held values.
    let mode: [Double]
    /// The Laplace variances of the first k coordinates, then `heldVariance` for the others.
    let variances: [Double]
    /// L-BFGS and Hessian evaluations of the density.
    let evaluations: Int

    /// Nil when f cannot be evaluated at the start, L-BFGS does not reach a finite point, or the
    /// Hessian is not negative definite there (then the sampler's default start applies).
    /// `start` gives the first k coordinates to start the search from.
    static func find<Density: LogDensity>(
        _ density: Density, globalCount k: Int, start: [Double], base: [Double], heldVariance: Double = 1,
        maximumEvaluations: Int = 400
    ) -> LaplaceStart? {
        let dimension = density.dimension
        guard k > 0, k <= dimension, start.count == k, base.count == dimension else { return nil }
        var model = density
        var evaluations = 0
        var point = base
        var gradient = [Double](repeating: 0, count: dimension)
        /// f and ∇f at θ (the first k coordinates), the others from `base`.
        func evaluate(_ theta: [Double], into g: inout [Double]) -> Double {
            for a in 0..<k { point[a] = theta[a] }
            evaluations += 1
            let value = model.logDensity(at: point, gradient: &gradient)
            for a in 0..<k { g[a] = gradient[a] }
            return value
        }
        var probe = [Double](repeating: 0, count: k)
        guard evaluate(start, into: &probe).isFinite else { return nil }
        var minimizer = LBFGSMinimizer()
        minimizer.maximumEvaluations = maximumEvaluations
        minimizer.relativeObjectiveTolerance = 1e-10
        let result = minimizer.minimize(start: start) { theta, g in
            let value = evaluate(theta, into: &g)
            for a in 0..<k { g[a] = -g[a] }
            return value.isFinite ? -value : .greatestFiniteMagnitude
        }
        let mode = result.minimizer
        guard result.minimum.isFinite, result.minimum < .greatestFiniteMagnitude, mode.allSatisfy(\.isFinite) else { return nil }
        // H = −∇²f by central differences of ∇f, step 10⁻⁴·max(1, |θ_a|), symmetrized.
        var hessian = [Double](repeating: 0, count: k * k)
        var plus = [Double](repeating: 0, count: k)
        var minus = [Double](repeating: 0, count: k)
        for a in 0..<k {
            let h = 1e-4 * max(1, abs(mode[a]))
            var shifted = mode
            shifted[a] = mode[a] + h
            guard evaluate(shifted, into: &plus).isFinite else { return nil }
            shifted[a] = mode[a] - h
            guard evaluate(shifted, into: &minus).isFinite else { return nil }
            for b in 0..<k { hessian[b + a * k] = -(plus[b] - minus[b]) / (2 * h) }
        }
        for a in 0..<k {
            for b in 0..<a {
                let average = 0.5 * (hessian[a + b * k] + hessian[b + a * k])
                hessian[a + b * k] = average
                hessian[b + a * k] = average
            }
        }
        // Variances: the diagonal of H⁻¹ from its Cholesky factor.
        let positive = hessian.withUnsafeMutableBufferPointer { SmallMatrix.choleskyLower($0.baseAddress!, size: k) }
        guard positive else { return nil }
        var inverse = [Double](repeating: 0, count: k * k)
        hessian.withUnsafeBufferPointer { l in
            inverse.withUnsafeMutableBufferPointer { SmallMatrix.inverseFromCholesky(l.baseAddress!, into: $0.baseAddress!, size: k) }
        }
        var variances = [Double](repeating: heldVariance, count: dimension)
        for a in 0..<k { variances[a] = inverse[a + a * k] }
        guard variances.allSatisfy({ $0 > 0 && $0.isFinite }) else { return nil }
        var full = base
        for a in 0..<k { full[a] = mode[a] }
        return LaplaceStart(mode: full, variances: variances, evaluations: evaluations)
    }

    /// One starting point per chain: θ̂ moved by U(−radius, radius) posterior SDs in each of the
    /// first k coordinates, the others U(−radius, radius) about their held values, from `random`.
    func startingPoints(chains: Int, globalCount k: Int, radius: Double, random: inout RandomSource) -> [[Double]] {
        (0..<chains).map { _ in
            mode.indices.map { i in
                let jitter = radius * (2 * random.uniform() - 1)
                return mode[i] + jitter * (i < k ? variances[i].squareRoot() : 1)
            }
        }
    }
}
