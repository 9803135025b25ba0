import Foundation

extension LinearMixedModel {
    /// Joint maximum a posteriori estimation: maximizes over the random effects and the globals
    /// together
    ///
    ///     F(β, b, σ, Σ) = log p(y | β, b, σ) + log p(b | Σ) + log p(β, σ, Σ)
    ///
    /// (``JointMAPObjective``; default priors of ``MixedModelParameterization`` unless
    /// `options.priors` changes them) in the coordinates of `options.parameterization`, with
    /// L-BFGS or Adam, and reports the gradient flow and any collapse.
    ///
    /// **No maximum.** Along b_k = c·b⁰_k, Σ_k = c²Σ⁰_k, c → 0, the effects' prior gains
    /// −ℓ_k S_k log c while the likelihood tends to its value at b_k = 0: F is unbounded above for
    /// every data set (with log |J| included, which adds S_k log c, still unbounded since every
    /// grouping factor has ℓ_k ≥ 2 levels). A finite answer is at best a local maximum; when the
    /// data do not hold an SD away from 0 the optimizer follows the unbounded path and the
    /// estimate is meaningless (``CollapseFinding``). Log-scale coordinates are kept within
    /// ±30 of log sd(y) for L-BFGS, so a collapse ends at a finite point.
    ///
    /// Log |J| of the globals' transform is left out by default (``JointMAPOptions/includeJacobian``):
    /// the mode then belongs to the posterior of (β, σ, SDs, correlation factor) itself, and the
    /// centered, non-centered and hierarchical forms maximize one function.
    public func fitJointMAP(_ options: JointMAPOptions = JointMAPOptions()) throws(EstimationError) -> JointMAPFit {
        do { try requireUnstructuredCovariance(for: "joint MAP") } catch { throw .unsupportedModel(error) }
        let clock = ContinuousClock()
        let started = clock.now
        var layout = MixedModelParameterization(model: self)
        do { try layout.setPriors(options.priors) } catch { throw .invalidPrior(error) }
        var objective: JointMAPObjective
        do {
            objective = try JointMAPObjective(model: self, parameterization: options.parameterization, includeJacobian: options.includeJacobian, layout: layout)
        } catch {
            throw .invalidOption(name: "priors", value: "\(error)", requirement: "made from this model")
        }

        // The start, with the held parameters set.
        var (globalStart, effectStart) = try startingValues(options.start, layout: layout, effectCount: objective.dimension - layout.dimension)
        let held = try heldCoordinates(options.fixed, layout: layout)
        for (coordinate, value) in held { globalStart[coordinate] = value }
        guard let start = objective.coordinates(globals: globalStart, randomEffects: effectStart) else {
            throw .invalidOption(name: "start", value: "\(globalStart.count) + \(effectStart.count) values", requirement: "the model's global coordinates and random effects")
        }
        let heldSet = Set(held.keys)
        let free = (0..<objective.dimension).filter { !heldSet.contains($0) }
        guard objective.value(at: start) > -.infinity else { throw .nonFiniteStart(method: "joint MAP") }

        // Minimize −F over the free coordinates.
        var trace: [Double] = []
        var full = start
        var fullGradient = [Double](repeating: 0, count: objective.dimension)
        let negative: ([Double], inout [Double]) -> Double = { v, g in
            for (i, c) in free.enumerated() { full[c] = v[i] }
            let value = objective.value(at: full, gradient: &fullGradient)
            guard value > -.infinity else {
                for i in g.indices { g[i] = 0 }
                return 1e300
            }
            for (i, c) in free.enumerated() { g[i] = -fullGradient[c] }
            return -value
        }
        let freeStart = free.map { start[$0] }
        var end = start
        let iterations: Int
        let converged: Bool
        let message: String
        switch options.optimizer {
        case .lbfgs(let maximumEvaluations):
            let reference = log(Self.standardDeviation(design.response))
            let logScales = Set([layout.sigmaCoordinate] + layout.blocks.flatMap { $0.parts.flatMap { p in (0..<p.sdCoordinateCount).map { p.sdCoordinate + $0 } } })
            let search = RestartedLBFGS(
                lowerBounds: free.map { logScales.contains($0) ? reference - 30 : -.infinity },
                upperBounds: free.map { logScales.contains($0) ? reference + 30 : .infinity },
                maximumEvaluations: maximumEvaluations, restarts: Self.jointMAPRestarts)
            let outcome = search.minimize(start: freeStart, negative: negative)
            trace = outcome.trace
            for (i, c) in free.enumerated() { end[c] = outcome.point[i] }
            iterations = outcome.evaluations
            converged = outcome.converged
            message = outcome.message
        case .adam(let learningRate, let stopping):
            let adam = AdamMinimizer(learningRate: learningRate, stopping: stopping)
            let result = try adam.minimize(start: freeStart, objective: negative)
            for (i, c) in free.enumerated() { end[c] = result.last[i] }
            trace = result.trace.map { -$0 }
            iterations = result.iterations
            converged = result.converged
            if case .budget = stopping { message = "BUDGET" } else { message = result.converged ? "CONVERGED" : "MAXITER_REACHED" }
        }

        guard let startPieces = objective.pieces(at: start), let endPieces = objective.pieces(at: end) else {
            throw .nonFiniteStart(method: "joint MAP (the end point)")
        }
        let flow = GradientFlow(start: startPieces, end: endPieces, blocks: objective.blocks, held: heldSet)
        let collapses = objective.collapses(start: start, end: end, held: heldSet)
        var warnings = collapses.map(\.warning)
        if collapses.isEmpty {
            warnings.append("joint MAP found at best a local maximum: the joint objective has no global maximum "
                + "(it grows without bound as any random-effect SD and its effects shrink to 0)")
        }
        if !converged, collapses.isEmpty, case .lbfgs = options.optimizer {
            warnings.append("L-BFGS stopped without converging (\(message) after \(iterations) evaluations)")
        }
        let densityPoint = objective.densityCoordinates(end)
        var estimates = GlobalEstimates(layout: layout, at: densityPoint)
        estimates.betaStandardErrors = nil
        let effects = objective.randomEffects(at: end).flatMap { $0 }
        return JointMAPFit(
            parameterization: options.parameterization, optimizer: options.optimizer.name, includeJacobian: options.includeJacobian,
            estimates: estimates, randomEffectNames: objective.density.randomEffectNames, randomEffects: effects,
            parameterNames: objective.parameterNames, coordinates: end,
            startObjective: startPieces.value, objective: endPieces.value, logLikelihood: endPieces.likelihood, logPrior: endPieces.prior,
            trace: trace, iterations: iterations, converged: converged, message: message,
            gradientFlow: flow, collapses: collapses, warnings: warnings, seconds: started.duration(to: clock.now).seconds)
    }

    /// Global coordinates and random effects b of the start.
    private func startingValues(_ start: JointMAPOptions.Start, layout: MixedModelParameterization, effectCount: Int) throws(EstimationError) -> ([Double], [Double]) {
        switch start {
        case .point(let globals, let effects):
            guard globals.count == layout.dimension, effects.count == effectCount else {
                throw .invalidOption(
                    name: "start", value: "\(globals.count) global coordinates and \(effects.count) random effects",
                    requirement: "\(layout.dimension) global coordinates and \(effectCount) random effects")
            }
            return (globals, effects)
        case .maximumLikelihood:
            let fit: LinearMixedModelFit
            do { fit = try self.fit(criterion: .ml) } catch { throw .startingFitFailed(error.description) }
            return Self.startingValues(from: fit, model: self, layout: layout)
        }
    }

    /// The unconstrained global coordinates of a fit (each SD at least 10⁻³ σ̂, non-finite
    /// correlation coordinates at 0) and its conditional modes, block by block, level-major.
    static func startingValues(from fit: LinearMixedModelFit, model: LinearMixedModel, layout: MixedModelParameterization) -> ([Double], [Double]) {
        let factors = model.thetaLayout.lambdas(fit.theta).map { $0.elements.map { $0 * fit.sigma } }
        var globals = layout.unconstrained(beta: fit.fixedEffects.map(\.estimate), sigma: fit.sigma, factors: factors)
        let floor = log(1e-3 * fit.sigma)
        for block in layout.blocks {
            for part in block.parts {
                for a in 0..<part.sdCoordinateCount where !(globals[part.sdCoordinate + a] >= floor) { globals[part.sdCoordinate + a] = floor }
            }
        }
        for i in globals.indices where !globals[i].isFinite { globals[i] = 0 }
        let effects = fit.randomEffects.flatMap { modes in
            (0..<modes.modes.rows).flatMap { level in (0..<modes.modes.columns).map { modes.modes[level, $0] } }
        }
        return (globals, effects)
    }

    /// The held coordinates and their unconstrained values, from names on the parameters' scales.
    private func heldCoordinates(_ fixed: [String: Double], layout: MixedModelParameterization) throws(EstimationError) -> [Int: Double] {
        let names = layout.parameterNames
        var held: [Int: Double] = [:]
        for (name, value) in fixed.sorted(by: { $0.key < $1.key }) {
            guard let coordinate = names.firstIndex(of: name) else {
                throw .unknownParameter(name, suggestion: closestName(to: name, among: names))
            }
            if name.hasPrefix("cor[") { throw .cannotHold(name) }
            guard value.isFinite else { throw .invalidOption(name: name, value: "\(value)", requirement: "a finite number") }
            if coordinate < layout.fixedNames.count {
                held[coordinate] = value
            } else {
                guard value > 0 else { throw .invalidOption(name: name, value: "\(value)", requirement: "a positive number (it is a scale)") }
                held[coordinate] = log(value)
            }
        }
        return held
    }

    /// At most this many L-BFGS runs, each from where the previous one stopped.
    static let jointMAPRestarts = 50

    static func standardDeviation(_ values: [Double]) -> Double {
        let sd = MixedModelPriors.standardDeviation(values)
        return sd > 0 ? sd : 1
    }
}
