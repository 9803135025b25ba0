import Foundation

extension LinearMixedModel {
    /// Fits the model by EM: iterates the ``ECMEMap`` (E-step from the blocked Cholesky factor,
    /// closed-form M-step for each block's covariance, then β and σ² at their profiled optimum)
    /// from the same start as ``fit(criterion:optimizer:progress:)``, optionally accelerated by SQUAREM.
    ///
    /// Every accepted iterate lowers the objective (deviance for ML, REML criterion for REML), so
    /// `objectiveTrace` is non-increasing; at convergence the objective equals the BOBYQA fit's
    /// up to the tolerance. As in ``fit(criterion:optimizer:progress:)``, a diagonal θ element that ends below
    /// ``singularTolerance`` is set to 0 when that does not raise the objective.
    ///
    /// - Parameter progress: called after each accepted iterate with its number and objective.
    public func fitEM(
        _ options: EMOptions = EMOptions(), progress: ((_ iteration: Int, _ objective: Double) -> Void)? = nil
    ) throws(EstimationError) -> EMFit {
        do { try requireUnstructuredCovariance(for: "EM") } catch { throw .unsupportedModel(error) }
        let options = try options.validated()
        let clock = ContinuousClock()
        let started = clock.now
        var run = EMRun(
            map: ECMEMap(products: products, factors: factors, criterion: options.criterion),
            lowerBounds: thetaLowerBounds, options: options, progress: progress)
        let start = startingTheta
        try run.iterate(from: start)
        run.snapToBoundary()

        var warnings: [String] = []
        if !run.converged, run.roundingStall > 0 {
            warnings.append("EM stopped after \(run.iterations) iterations because a step raised the objective by \(run.roundingStall), "
                + "more than rounding explains; the estimates may be inaccurate")
        } else if !run.converged {
            warnings.append("EM stopped after \(run.iterations) iterations without meeting its convergence rule "
                + "(relative tolerance \(options.relativeTolerance)); the estimates may be inaccurate")
        }
        if let warning = BoundaryApproachMonitor.warning(
            run.monitor.findings(theta: run.thetaBeforeSnapping), names: thetaNames, gain: run.gainBeforeSnapping) {
            warnings.append(warning)
        }
        let theta = run.theta
        let lower = thetaLowerBounds
        let singular = zip(theta, lower).contains { $1 == 0 && $0 < Self.singularTolerance }
        if singular {
            warnings.append("boundary (singular) fit: some random-effect variances are estimated as zero or correlations as ±1; see lme4's ?isSingular")
        }
        var factor = PenalizedLeastSquares(products: products, factors: factors)
        guard factor.update(theta: theta) else { throw .factorizationFailed(iteration: run.iterations) }
        let record = OptimizationRecord(
            optimizer: "EM (\(options.acceleration.rawValue))", initialTheta: start, finalTheta: theta,
            evaluations: run.evaluations, message: run.converged ? "CONVERGED" : "MAXITER_REACHED",
            converged: run.converged, log: run.log)
        var estimates = summarize(
            factor: factor, theta: theta, objective: run.objective, criterion: options.criterion,
            singular: singular, record: record, warnings: design.warnings + warnings)
        let seconds = started.duration(to: clock.now).seconds
        estimates.seconds = seconds
        return EMFit(
            estimates: estimates, acceleration: options.acceleration, iterations: run.iterations,
            evaluations: run.evaluations, objectiveTrace: run.trace, converged: run.converged, seconds: seconds)
    }
}

/// The state of one EM run: the current iterate, its objective, the trace and the counters.
struct EMRun {
    var map: ECMEMap
    let lowerBounds: [Double]
    let options: EMOptions
    let progress: ((Int, Double) -> Void)?

    private(set) var theta: [Double] = []
    private(set) var objective = Double.infinity
    private(set) var trace: [Double] = []
    private(set) var log: [OptimizationRecord.Evaluation] = []
    private(set) var evaluations = 0
    private(set) var converged = false
    private(set) var monitor: BoundaryApproachMonitor
    /// The iterate when the loop stopped, before ``snapToBoundary()``.
    private(set) var thetaBeforeSnapping: [Double] = []
    /// The objective's decrease in the last iteration before ``snapToBoundary()``.
    private(set) var gainBeforeSnapping = Double.infinity
    /// The rise of the objective in a rejected last step (0 when none).
    private(set) var roundingStall = 0.0
    private var lastGain = Double.infinity
    private var previousGain = Double.infinity

    var iterations: Int { max(trace.count - 1, 0) }

    init(map: ECMEMap, lowerBounds: [Double], options: EMOptions, progress: ((Int, Double) -> Void)?) {
        self.map = map
        self.lowerBounds = lowerBounds
        self.options = options
        self.progress = progress
        monitor = BoundaryApproachMonitor(lowerBounds: lowerBounds)
    }

    /// Runs the iterations from `start` until convergence or the iteration limit.
    mutating func iterate(from start: [Double]) throws(EstimationError) {
        guard var current = apply(start) else { throw .factorizationFailed(iteration: 0) }
        accept(start, objective: current.objective)
        while iterations < options.maximumIterations, !converged {
            let next: [Double]
            switch options.acceleration {
            case .none:
                next = current.next
                monitor.observe(from: theta, to: next)
            case .squarem:
                next = try squaremCycle(current)
            }
            guard let step = apply(next) else { throw .factorizationFailed(iteration: iterations + 1) }
            // EM never raises the objective in exact arithmetic: a rise is rounding, so the
            // iterate is kept and the run has converged as far as rounding allows.
            guard step.objective <= objective else {
                roundingStall = step.objective - objective
                converged = roundingStall <= 1e-9 * max(1, abs(objective))
                break
            }
            accept(next, objective: step.objective)
            current = step
        }
        thetaBeforeSnapping = theta
        gainBeforeSnapping = lastGain
    }

    /// One SQUAREM cycle from the current iterate θ₀ (whose step is `current`): θ₁ = F(θ₀),
    /// θ₂ = F(θ₁), r = θ₁ − θ₀, v = θ₂ − 2θ₁ + θ₀, α = −‖r‖/‖v‖ (at most −1), the extrapolation
    /// θ′ = θ₀ − 2αr + α²v projected on the bounds, and the stabilizing step F(θ′). θ′ is kept only
    /// if d(θ′) ≤ d(θ₁); otherwise α moves halfway toward −1 (where θ′ = θ₂), up to
    /// ten times, then θ₂ is taken. Either way the next iterate has objective ≤ d(θ₁) ≤ d(θ₀).
    private mutating func squaremCycle(_ current: ECMEMap.Step) throws(EstimationError) -> [Double] {
        let theta0 = theta
        let theta1 = current.next
        monitor.observe(from: theta0, to: theta1)
        guard let step1 = apply(theta1) else { throw .factorizationFailed(iteration: iterations + 1) }
        let theta2 = step1.next
        monitor.observe(from: theta1, to: theta2)
        let r = zip(theta1, theta0).map { $0 - $1 }
        let v = theta2.indices.map { theta2[$0] - 2 * theta1[$0] + theta0[$0] }
        let normR = r.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let normV = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard normV > 0, normR > 0 else { return theta2 }
        var alpha = min(-normR / normV, -1)
        for _ in 0..<10 where alpha < -1 {
            let candidate = theta0.indices.map { i in
                max(theta0[i] - 2 * alpha * r[i] + alpha * alpha * v[i], lowerBounds[i])
            }
            if let step = apply(candidate), step.objective <= step1.objective {
                return step.next
            }
            alpha = (alpha - 1) / 2
            if alpha > -1.01 { break }
        }
        return theta2
    }

    /// One application of the map, counted.
    private mutating func apply(_ theta: [Double]) -> ECMEMap.Step? {
        evaluations += 1
        return map.apply(theta)
    }

    /// Makes θ the current iterate and applies the convergence rule.
    private mutating func accept(_ theta: [Double], objective: Double) {
        if !trace.isEmpty {
            previousGain = lastGain
            lastGain = self.objective - objective
        }
        self.theta = theta
        self.objective = objective
        trace.append(objective)
        log.append(.init(theta: theta, objective: objective))
        progress?(iterations, objective)
        guard trace.count >= 3 else { return }
        let tolerance = options.relativeTolerance * max(1, abs(objective))
        guard lastGain <= tolerance else { return }
        // Remaining decrease of a geometric sequence of gains with ratio ρ: gain·ρ/(1 − ρ).
        let ratio = previousGain > 0 ? lastGain / previousGain : 0
        let remaining = ratio < 1 ? max(lastGain, 0) * ratio / (1 - ratio) : .infinity
        converged = remaining <= tolerance || lastGain <= 1e-15 * abs(objective)
    }

    /// Sets diagonal θ elements below ``LinearMixedModel/singularTolerance`` to 0 when that does
    /// not raise the objective (EM reaches 0 only in the limit); each accepted change is an iterate.
    mutating func snapToBoundary() {
        for i in theta.indices where lowerBounds[i] == 0 && theta[i] > 0 && theta[i] < LinearMixedModel.singularTolerance {
            var candidate = theta
            candidate[i] = 0
            evaluations += 1
            if let value = map.objective(at: candidate), value <= objective {
                let wasConverged = converged
                accept(candidate, objective: value)
                converged = wasConverged || converged
            }
        }
    }
}
