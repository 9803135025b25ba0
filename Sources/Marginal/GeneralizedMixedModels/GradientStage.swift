import Foundation

/// The joint stage of a Laplace fit over x = (θ, β) where the exact gradient exists
/// (``GeneralizedLinearMixedModel/laplaceGradient(_:theta:state:)``), in two parts: L-BFGS-B
/// (NLopt) from the start, then Newton's method on the Hessian from central differences of the
/// gradient until the Newton decrement gᵀH⁻¹g/2 is below 10⁻¹⁰ (θ on its bound held there). The
/// last Hessian is the one the standard errors need: 2k gradient evaluations for k parameters,
/// computed in parallel, against k² + k + 1 deviance evaluations for the Hessian from the deviance
/// alone. (BFGS started from the exact Hessian at the start took more evaluations than L-BFGS-B
/// on VerbAgg, 70 against 57: far from the optimum that Hessian is indefinite in θ.)
struct GradientStage {
    let lower: [Double]
    /// The deviance and its gradient at x, warm-started from the last evaluation; a failure throws.
    let evaluate: ([Double]) throws(MixedModelError) -> (value: Double, gradient: [Double])
    /// A gradient function warm-started from the last evaluation's state, independent of every
    /// other one made so (its own copy of the factor), so that several run at once; nil on failure.
    let independentGradient: () -> @Sendable ([Double]) -> [Double]?
    /// Called with the number of evaluations made by the independent gradients.
    var countIndependent: (Int) -> Void = { _ in }
    /// The step of the central differences (lme4's `deriv12` step).
    static let step = 1e-4
    static let decrementTolerance = 1e-10

    struct Outcome {
        var result: MinimizationResult
        /// H at the minimizer, or nil when the differences failed.
        var hessian: Matrix?
        /// The last evaluation's error, for the message when no point succeeded.
        var failure: MixedModelError?
    }

    func minimize(start: [Double]) -> Outcome {
        var failure: MixedModelError?
        var result = quasiNewtonSearch(from: start, failure: &failure)
        var x = result.minimizer
        var value = result.minimum
        var hessian: Matrix?
        var newtonSteps = 0
        var settled = false
        for _ in 0..<5 {
            guard let (_, g, h) = try? derivatives(at: x) else { break }
            hessian = h
            guard let step = newtonStep(hessian: h.elements, gradient: g, at: x) else { break }
            if step.decrement < Self.decrementTolerance {
                settled = true
                break
            }
            guard let moved = lineSearch(from: x, value: value, slope: -2 * step.decrement, direction: step.direction) else { break }
            (x, value) = (moved.point, moved.value)
            newtonSteps += 1
            hessian = nil
        }
        if hessian == nil { hessian = try? derivatives(at: x).hessian }
        result = MinimizationResult(
            minimizer: x, minimum: value, evaluations: result.evaluations,
            message: newtonSteps > 0 ? "\(result.message), then \(newtonSteps) Newton step\(newtonSteps == 1 ? "" : "s")" : result.message,
            converged: settled || result.converged)
        return Outcome(result: result, hessian: hessian, failure: failure)
    }

    /// Part 1: NLopt's L-BFGS-B to a relative change of 10⁻¹².
    private func quasiNewtonSearch(from start: [Double], failure: inout MixedModelError?) -> MinimizationResult {
        var quasiNewton = LBFGSMinimizer(lowerBounds: lower)
        quasiNewton.relativeObjectiveTolerance = 1e-12
        var lastError: MixedModelError?
        let result = quasiNewton.minimize(start: start) { x, gradient in
            do throws(MixedModelError) {
                let (value, g) = try evaluate(x)
                guard value.isFinite else { throw .pirlsFailed(message: "the Laplace deviance is not finite") }
                gradient = g
                return value
            } catch {
                lastError = error
                for i in gradient.indices { gradient[i] = 0 }
                return LinearMixedModel.failedFactorizationObjective
            }
        }
        failure = lastError ?? failure
        return result
    }

    /// The Newton direction −H⁻¹g over the free coordinates (θ on its bound with a gradient pushing
    /// outwards stays there) and the decrement gᵀH⁻¹g/2; nil where H is not positive definite there.
    func newtonStep(hessian h: [Double], gradient g: [Double], at x: [Double]) -> (direction: [Double], decrement: Double)? {
        let n = x.count
        let free = x.indices.filter { !(lower[$0] > -.infinity && x[$0] <= lower[$0] && g[$0] >= 0) }
        let k = free.count
        guard k > 0 else { return ([Double](repeating: 0, count: n), 0) }
        var sub = [Double](repeating: 0, count: k * k)
        for (a, i) in free.enumerated() { for (b, j) in free.enumerated() { sub[a + b * k] = h[i + j * n] } }
        guard let inverse = CholeskyInverse.inverseOfPositiveDefinite(sub, n: k) else { return nil }
        var direction = [Double](repeating: 0, count: n)
        for (a, i) in free.enumerated() { direction[i] = -(0..<k).reduce(0.0) { $0 + inverse[a + $1 * k] * g[free[$1]] } }
        let decrement = -zip(direction, g).reduce(0.0) { $0 + $1.0 * $1.1 } / 2
        return (direction, decrement)
    }

    /// The first of x + d, x + d/2, … (projected on the bounds) whose value satisfies Armijo's
    /// condition f ≤ f₀ + 10⁻⁴ α gᵀd, with `slope` = gᵀd < 0, with its value; nil when 30 halvings
    /// do not.
    func lineSearch(from x: [Double], value: Double, slope: Double, direction: [Double]) -> (point: [Double], value: Double)? {
        var alpha = 1.0
        for _ in 0..<30 {
            let candidate = x.indices.map { max(lower[$0], x[$0] + alpha * direction[$0]) }
            if let (v, _) = try? evaluate(candidate), v.isFinite, v <= value + 1e-4 * alpha * slope || (v < value && alpha < 1e-3) {
                return (candidate, v)
            }
            alpha /= 2
        }
        return nil
    }

    /// The gradient at x and the Hessian from central differences of the gradient, symmetrized;
    /// the 2k displaced gradients are computed concurrently.
    func derivatives(at x: [Double]) throws(MixedModelError) -> (value: Double, gradient: [Double], hessian: Matrix) {
        let k = x.count
        let (value, gradient) = try evaluate(x)
        let displaced = independentGradient()
        let step = Self.step
        let gradients = concurrentMap(count: 2 * k) { index in
            var point = x
            point[index / 2] += index % 2 == 0 ? step : -step
            return displaced(point)
        }
        countIndependent(2 * k)
        var hessian = Matrix(rows: k, columns: k)
        for j in 0..<k {
            guard let gp = gradients[2 * j], let gm = gradients[2 * j + 1] else {
                throw .pirlsFailed(message: "no gradient at a step of \(step) from the optimum in its parameter \(j + 1)")
            }
            for i in 0..<k { hessian[i, j] = (gp[i] - gm[i]) / (2 * step) }
        }
        for j in 0..<k {
            for i in 0..<j {
                let mean = (hessian[i, j] + hessian[j, i]) / 2
                hessian[i, j] = mean
                hessian[j, i] = mean
            }
        }
        return (value, gradient, hessian)
    }
}
