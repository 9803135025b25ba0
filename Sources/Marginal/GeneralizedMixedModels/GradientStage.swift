import Foundation

/// The joint stage of a Laplace fit over x = (θ, β) where the exact gradient exists
/// (``GeneralizedLinearMixedModel/laplaceGradient(_:theta:state:)``), in two parts. First a
/// quasi-Newton search: from the Hessian at the start (forward differences of the gradient, k
/// gradients) with BFGS updates where that Hessian is positive definite, as it is from the
/// working model's start (``GeneralizedLinearMixedModel/workingModelStart(_:theta:state:)``), else
/// NLopt's L-BFGS-B. Then Newton's method on the Hessian from central differences of the
/// gradient until the Newton decrement gᵀH⁻¹g/2 is below 10⁻¹⁰ (θ on its bound held there). The
/// last Hessian is the one the standard errors need: 2k gradient evaluations for k parameters,
/// computed in parallel, against k² + k + 1 deviance evaluations for the Hessian from the deviance
/// alone. (From lme4's start λ = I, BFGS from the Hessian took more evaluations than L-BFGS-B on
/// VerbAgg, 70 against 57: far from the optimum that Hessian is indefinite in θ. From the working
/// model's start the VerbAgg fit takes 5 quasi-Newton steps, and 0.18 s instead of 0.31.)
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

    /// Whether a Newton decrement (the predicted fall of the deviance to its minimum) is below
    /// 10⁻¹⁰, or below 10⁻¹⁴ of the deviance: the rounding of a sum over 200,000 rows is a few
    /// 10⁻⁹ there, and steps below it cannot be told from noise.
    static func isSettled(decrement: Double, value: Double) -> Bool {
        decrement < max(decrementTolerance, 1e-14 * abs(value))
    }
    /// A Newton step after which the Hessian is not formed again (relative to 1 + |x|).
    static let shortStep = 1e-5

    struct Outcome {
        var result: MinimizationResult
        /// H at the minimizer, or nil when the differences failed.
        var hessian: Matrix?
        /// The last evaluation's error, for the message when no point succeeded.
        var failure: MixedModelError?
    }

    func minimize(start: [Double]) -> Outcome {
        var failure: MixedModelError?
        var result: MinimizationResult
        // The gradient at x when the last evaluation was made there: the displaced gradients
        // warm-start from that evaluation's state, so x need not be evaluated again.
        var lastGradient: [Double]?
        if let atStart = try? derivatives(at: start, central: false),
           let search = secantSearch(from: start, value: atStart.value, gradient: atStart.gradient, hessian: atStart.hessian) {
            (result, lastGradient) = search
        } else {
            result = quasiNewtonSearch(from: start, failure: &failure)
        }
        var x = result.minimizer
        var value = result.minimum
        var current: (gradient: [Double], hessian: Matrix)?
        var newtonSteps = 0
        var settled = false
        for _ in 0..<5 {
            if current == nil, let (_, g, h) = try? derivatives(at: x, known: lastGradient.map { (value, $0) }) { current = (g, h) }
            guard let (g, h) = current, let step = newtonStep(hessian: h.elements, gradient: g, at: x) else { break }
            if Self.isSettled(decrement: step.decrement, value: value) {
                settled = true
                break
            }
            guard let moved = lineSearch(from: x, value: value, slope: -2 * step.decrement, direction: step.direction) else { break }
            // H changes by O(‖Δx‖): after a step this short it is kept, with the new gradient.
            let short = zip(moved.point, x).allSatisfy { abs($0 - $1) <= Self.shortStep * (1 + abs($1)) }
            (x, value) = (moved.point, moved.value)
            current = short ? (moved.gradient, h) : nil
            lastGradient = moved.gradient
            newtonSteps += 1
        }
        var hessian = current?.hessian
        if hessian == nil { hessian = try? derivatives(at: x).hessian }
        result = MinimizationResult(
            minimizer: x, minimum: value, evaluations: result.evaluations,
            message: newtonSteps > 0 ? "\(result.message), then \(newtonSteps) Newton step\(newtonSteps == 1 ? "" : "s")" : result.message,
            converged: settled || result.converged)
        return Outcome(result: result, hessian: hessian, failure: failure)
    }

    /// Part 1 where the Hessian at the start is not positive definite: NLopt's L-BFGS-B to a
    /// relative change of 10⁻¹².
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

    /// Part 1 from a start near the optimum (``GeneralizedLinearMixedModel/workingModelStart(_:theta:state:)``):
    /// quasi-Newton steps from the Hessian H₀ there, each along −H⁻¹g with Armijo's backtracking,
    /// H updated by BFGS's secant formula H + yyᵀ/yᵀs − Hs(Hs)ᵀ/sᵀHs (Nocedal & Wright 2006,
    /// eq. 6.19) while yᵀs > 0, until the decrement gᵀH⁻¹g/2 is below the tolerance or the
    /// deviance stops falling; nil where H₀ is not positive definite (far from the optimum), for
    /// L-BFGS-B to start instead. Where the start is near, this is Newton's method at the price
    /// of one Hessian: the L-BFGS steps it replaces began with a unit step along −g, out of the
    /// region where PIRLS converges fast. With the result, the gradient at its minimizer when the
    /// last evaluation was made there (not after a failed line search).
    func secantSearch(
        from start: [Double], value: Double, gradient: [Double], hessian: Matrix
    ) -> (result: MinimizationResult, gradient: [Double]?)? {
        var (x, f, g, h) = (start, value, gradient, hessian.elements)
        let n = x.count
        var evaluations = 0
        var converged = false
        var evaluatedAtX = true
        for iteration in 0..<100 {
            guard let step = newtonStep(hessian: h, gradient: g, at: x) else {
                if iteration == 0 { return nil }
                break
            }
            if Self.isSettled(decrement: step.decrement, value: f) {
                converged = true
                break
            }
            guard let moved = lineSearch(from: x, value: f, slope: -2 * step.decrement, direction: step.direction) else {
                evaluatedAtX = false
                break
            }
            evaluations += moved.evaluations
            let s = zip(moved.point, x).map { $0 - $1 }
            let y = zip(moved.gradient, g).map { $0 - $1 }
            // Below a change of 10⁻¹³ relative the deviance is at its rounding on large designs.
            let falling = f - moved.value > 1e-13 * abs(f)
            (x, f, g) = (moved.point, moved.value, moved.gradient)
            guard falling else { break }
            let sy = zip(s, y).reduce(0.0) { $0 + $1.0 * $1.1 }
            let hs = (0..<n).map { i in (0..<n).reduce(0.0) { $0 + h[i + $1 * n] * s[$1] } }
            let shs = zip(s, hs).reduce(0.0) { $0 + $1.0 * $1.1 }
            if sy > 1e-12 * shs, shs > 0 {
                for j in 0..<n { for i in 0..<n { h[i + j * n] += y[i] * y[j] / sy - hs[i] * hs[j] / shs } }
            }
        }
        let result = MinimizationResult(
            minimizer: x, minimum: f, evaluations: evaluations,
            message: "quasi-Newton from the Hessian at the start, \(evaluations) evaluations", converged: converged)
        return (result, evaluatedAtX ? g : nil)
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
    func lineSearch(from x: [Double], value: Double, slope: Double, direction: [Double]) -> (point: [Double], value: Double, gradient: [Double], evaluations: Int)? {
        var alpha = 1.0
        for attempt in 1...30 {
            let candidate = x.indices.map { max(lower[$0], x[$0] + alpha * direction[$0]) }
            if let (v, g) = try? evaluate(candidate), v.isFinite, v <= value + 1e-4 * alpha * slope || (v < value && alpha < 1e-3) {
                return (candidate, v, g, attempt)
            }
            alpha /= 2
        }
        return nil
    }

    /// The gradient at x and the Hessian from differences of the gradient, symmetrized: central
    /// (2k displaced gradients, O(h²), for the standard errors) or forward (k, O(h), enough to
    /// steer ``secantSearch(from:value:gradient:hessian:)``); the displaced gradients are
    /// computed concurrently. `known` is the value and gradient at x when the last evaluation was
    /// made there (it is not repeated).
    func derivatives(
        at x: [Double], central: Bool = true, known: (value: Double, gradient: [Double])? = nil
    ) throws(MixedModelError) -> (value: Double, gradient: [Double], hessian: Matrix) {
        let k = x.count
        let (value, gradient) = if let known { known } else { try evaluate(x) }
        let displaced = independentGradient()
        let step = Self.step
        let sides = central ? 2 : 1
        let gradients = concurrentMap(count: sides * k) { index in
            var point = x
            point[index / sides] += index % sides == 0 ? step : -step
            return displaced(point)
        }
        countIndependent(sides * k)
        var hessian = Matrix(rows: k, columns: k)
        for j in 0..<k {
            guard let gp = gradients[sides * j], let gm = central ? gradients[2 * j + 1] : gradient else {
                throw .pirlsFailed(message: "no gradient at a step of \(step) from the optimum in its parameter \(j + 1)")
            }
            for i in 0..<k { hessian[i, j] = (gp[i] - gm[i]) / (Double(sides) * step) }
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
