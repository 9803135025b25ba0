import Foundation

extension GeneralizedLinearMixedModel {
    /// Joint MAP, non-centred (`map-nc`): maximizes ``GeneralizedJointMAPObjective``
    ///
    ///     F = log p(y | β, b) + Σ_k Σ_l log N(b_kl; 0, Σ_k) + log p(β) + log p(SDs, correlations)
    ///
    /// over x = [γ, log SDs, correlation coordinates, z] (b = T z) by L-BFGS restarted until it
    /// settles (``RestartedLBFGS``), from the Laplace fit (its globals, SDs at least 10⁻³, and
    /// z = T⁻¹b̂ from its conditional modes), with the priors of ``GeneralizedPriors`` changed by
    /// `priors` (`NAME=DISTRIBUTION`). Any number of terms, scalar or vector; canonical links
    /// without dispersion only.
    ///
    /// **Which density.** As the linear model's joint MAP (``JointMAPOptions/includeJacobian``
    /// false), F is the density of the SDs and the correlation factor themselves, not of the
    /// sampler's unconstrained coordinates: no log |J| of log SD ↦ SD, and the Jacobian of
    /// b ↦ z taken out, so that centred (`map`) and non-centred coordinates maximize one function.
    /// The sampler's density, with log SD's Jacobian and z ~ N(0, I), has a maximum; this F has
    /// none: along z held, T → 0 it gains Σ_k ℓ_k log 2 per halving of T while the likelihood
    /// stays bounded. A finite answer is at best a local maximum; a collapse (an SD run towards
    /// e⁻³⁰, the search's bound for log SD) is found and reported as the linear model's
    /// (``CollapseFinding``).
    ///
    /// - Parameter maximumEvaluations: L-BFGS's budget over all its runs.
    public func fitNonCenteredJointMAP(priors settings: [String] = [], maximumEvaluations: Int = 20_000) throws(EstimationError) -> JointMAPFit {
        let clock = ContinuousClock()
        let started = clock.now
        var priors = GeneralizedPriors(design: design, blocks: blocks)
        do { try priors.set(settings) } catch { throw .invalidPrior(error) }
        var objective: GeneralizedJointMAPObjective
        do { objective = try GeneralizedJointMAPObjective(model: self, priors: priors) } catch { throw .unsupportedModel(error) }
        let laplace: GeneralizedLinearMixedModelFit
        do { laplace = try fit() } catch { throw .startingFitFailed(error.description) }
        let globalStart = priors.coordinates(of: laplace, model: self)
        let modes = laplace.randomEffects.flatMap { effects in
            (0..<effects.modes.rows).flatMap { level in (0..<effects.modes.columns).map { effects.modes[level, $0] } }
        }
        let start = globalStart + objective.standardized(modes, globals: globalStart)
        guard objective.value(at: start) > -.infinity else { throw .nonFiniteStart(method: "joint MAP") }

        // −F over every coordinate, log SDs within [−30, 30] (the link's scale has unit 1).
        let logSDs = Set(priors.layout.blocks.flatMap { $0.parts.flatMap { part in
            (0..<part.sdCoordinateCount).map { objective.position(ofLayoutCoordinate: part.sdCoordinate + $0) }
        } })
        var gradient = [Double](repeating: 0, count: objective.dimension)
        let search = RestartedLBFGS(
            lowerBounds: (0..<objective.dimension).map { logSDs.contains($0) ? -30 : -.infinity },
            upperBounds: (0..<objective.dimension).map { logSDs.contains($0) ? 30 : .infinity },
            maximumEvaluations: maximumEvaluations)
        let outcome = search.minimize(start: start) { x, g in
            let value = objective.value(at: x, gradient: &gradient)
            guard value > -.infinity else {
                for i in g.indices { g[i] = 0 }
                return 1e300
            }
            for i in g.indices { g[i] = -gradient[i] }
            return -value
        }
        let end = outcome.point
        guard let startPieces = objective.pieces(at: start), let endPieces = objective.pieces(at: end),
              let effects = objective.randomEffects(at: end) else {
            throw .nonFiniteStart(method: "joint MAP (the end point)")
        }
        let collapses = objective.collapses(start: start, end: end, held: [])
        var warnings = collapses.map(\.warning)
        if collapses.isEmpty {
            warnings.append("joint MAP found at best a local maximum: the joint objective has no global maximum "
                + "(it grows without bound as any random-effect SD and its effects shrink to 0)")
            if !outcome.converged { warnings.append("L-BFGS stopped without converging (\(outcome.message) after \(outcome.evaluations) evaluations)") }
        }
        var estimates = GlobalEstimates(layout: priors.layout, at: objective.layoutCoordinates(end))
        estimates.sigma = nil
        let effectNames = RandomEffectsLayout(blocks: blocks).names
        return JointMAPFit(
            parameterization: .nonCentered, optimizer: "L-BFGS", includeJacobian: false,
            estimates: estimates, randomEffectNames: effectNames, randomEffects: effects,
            parameterNames: priors.parameterNames + effectNames.map { "z" + $0.dropFirst() }, coordinates: end,
            startObjective: startPieces.value, objective: endPieces.value, logLikelihood: endPieces.likelihood, logPrior: endPieces.prior,
            trace: outcome.trace, iterations: outcome.evaluations, converged: outcome.converged, message: outcome.message,
            gradientFlow: GradientFlow(start: startPieces, end: endPieces, blocks: objective.blocks, held: []),
            collapses: collapses, warnings: warnings, seconds: started.duration(to: clock.now).seconds)
    }
}
