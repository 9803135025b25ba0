import Foundation

/// The joint stage of a Laplace fit over x = (θ, β) where the exact gradient exists
/// (``GeneralizedLinearMixedModel/laplaceGradient(_:theta:state:)``): L-BFGS-B from the first
/// stage's optimum, then Newton's method on the Hessian from central differences of the gradient
/// until the Newton decrement gᵀH⁻¹g/2 is below 10⁻¹⁰ (θ on its bound held there). The quasi-Newton
/// search stops where its line searches no longer gain, about 10⁻⁶ short on large designs; two
/// Newton steps finish it quadratically. The last Hessian is the one the standard errors need, so
/// it costs nothing extra: 2k gradient evaluations for k parameters against k² + k + 1 deviance
/// evaluations for the Hessian from the deviance alone, and they run in parallel over the cores.
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
        var quasiNewton = LBFGSMinimizer(lowerBounds: lower)
        quasiNewton.relativeObjectiveTolerance = 1e-12
        var result = quasiNewton.minimize(start: start) { x, gradient in
            do throws(MixedModelError) {
                let (value, g) = try evaluate(x)
                guard value.isFinite else { throw .pirlsFailed(message: "the Laplace deviance is not finite") }
                gradient = g
                return value
            } catch {
                failure = error
                for i in gradient.indices { gradient[i] = 0 }
                return LinearMixedModel.failedFactorizationObjective
            }
        }
        var x = result.minimizer
        var value = result.minimum
        var hessian: Matrix?
        var newtonSteps = 0
        var settled = false
        for _ in 0..<5 {
            guard let (g, h) = try? derivatives(at: x) else { break }
            hessian = h
            // Free coordinates: θ on its bound with a gradient pushing outwards stays there.
            let free = x.indices.filter { !(lower[$0] > -.infinity && x[$0] <= lower[$0] && g[$0] >= 0) }
            let k = free.count
            var sub = [Double](repeating: 0, count: k * k)
            for (a, i) in free.enumerated() { for (b, j) in free.enumerated() { sub[a + b * k] = h[i, j] } }
            guard k > 0, let inverse = CholeskyInverse.inverseOfPositiveDefinite(sub, n: k) else { break }
            let direction = (0..<k).map { a in (0..<k).reduce(0.0) { $0 + inverse[a + $1 * k] * g[free[$1]] } }
            let decrement = zip(direction, free.map { g[$0] }).reduce(0.0) { $0 + $1.0 * $1.1 } / 2
            if decrement < Self.decrementTolerance {
                settled = true
                break
            }
            var scale = 1.0
            var moved = false
            for _ in 0..<20 {
                var candidate = x
                for (a, i) in free.enumerated() { candidate[i] = max(lower[i], x[i] - scale * direction[a]) }
                if let (v, _) = try? evaluate(candidate), v < value {
                    x = candidate
                    value = v
                    moved = true
                    break
                }
                scale /= 2
            }
            guard moved else { break }
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

    /// The gradient at x and the Hessian from central differences of the gradient, symmetrized;
    /// the 2k displaced gradients are computed concurrently.
    func derivatives(at x: [Double]) throws(MixedModelError) -> (gradient: [Double], hessian: Matrix) {
        let k = x.count
        let gradient = try evaluate(x).gradient
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
        return (gradient, hessian)
    }
}
