import Foundation

extension GeneralizedLinearMixedModel {
    /// Fits by the Laplace approximation as `glmer`'s default does: BOBYQA over θ with β and u
    /// from PIRLS (the nAGQ = 0 stage), then (θ, β) together with u from PIRLS at the held β, from
    /// the first stage's optimum; or, where the link is canonical and the design has no nested
    /// blocks, on the exact gradient (``GradientStage``: quasi-Newton, then Newton) from θ of
    /// penalized quasi-likelihood's working model (``workingModelStart(_:theta:state:)``) in place
    /// of the first stage. Standard
    /// errors of β̂ come from a Hessian H of the objective in (θ, β) at the optimum, by central
    /// differences of the gradient or of the objective: Cov β̂ = the β block of 2H⁻¹, as lme4's
    /// `vcov` with `use.hessian = TRUE`.
    ///
    /// With `nAGQ` = K > 1 the second stage minimizes the deviance by K-point adaptive
    /// Gauss–Hermite quadrature instead (``AdaptiveQuadrature``): for one random-effect term of up
    /// to three columns (one column is lme4's `nAGQ`), or two nested scalar terms, (1 | a/b).
    ///
    /// - Parameter progress: called after each evaluation with its number and objective value.
    public func fit(nAGQ: Int = 1, progress: ((_ evaluation: Int, _ objective: Double) -> Void)? = nil) throws(MixedModelError) -> GeneralizedLinearMixedModelFit {
        // One point is the Laplace approximation itself; any other count is checked by the rule.
        let quadrature = nAGQ == 1 ? nil : try AdaptiveQuadrature(model: self, points: nAGQ)
        let clock = ContinuousClock()
        let started = clock.now
        let p = design.fixedEffects.p
        let lower = thetaLayout.lowerBounds
        var state = startingState
        var evaluations = 0
        var failure: MixedModelError?

        // The generalized linear model (θ = 0) serves two checks before the fit. Separation: a
        // binomial β that runs off while the deviance stalls has no finite estimate, with or
        // without random effects. A family with an estimated dispersion (negative binomial,
        // Gamma) starts from a moment estimate at its means; the dispersion is held through the
        // first stage and estimated with (θ, β) in the second, on the log scale.
        var core = withFixedEffects
        var model = self
        let binomial = family.name == BinomialFamily().name
        let dispersive = family.dispersion != nil
        if dispersive, quadrature != nil {
            throw .quadratureNotApplicable(reason: "adaptive quadrature is not written for a family whose dispersion is estimated (\(family.name)); use the Laplace approximation (1 point)")
        }
        if binomial || dispersive {
            var glm = startingState
            let settled = (try? pirls(&core, theta: Array(repeating: 0, count: thetaLayout.count), state: &glm, holdingBeta: false, maximumIterations: 50)) ?? false
            if binomial, !settled, glm.eta.contains(where: { abs($0) > 15 }), let j = glm.beta.indices.max(by: { abs(glm.beta[$0]) < abs(glm.beta[$1]) }) {
                throw .separation(fixedEffect: design.fixedEffects.names[j], estimate: glm.beta[j])
            }
            if dispersive, let start = family.initialDispersion(y: design.response, mu: glm.eta.map(link.mean), weights: priorWeights) {
                model.family = family.withDispersion(start)
            }
        }

        // Each evaluation is counted and reported; a failed one gives a large finite value, so
        // that BOBYQA steps back, and its error is kept for the message if nothing succeeds.
        func counted(_ evaluate: @escaping ([Double]) throws(MixedModelError) -> Double) -> ([Double]) -> Double {
            { x in
                evaluations += 1
                do throws(MixedModelError) {
                    let value = try evaluate(x)
                    progress?(evaluations, value)
                    return value.isFinite ? value : LinearMixedModel.failedFactorizationObjective
                } catch {
                    failure = error
                    return LinearMixedModel.failedFactorizationObjective
                }
            }
        }

        // Stage 1: θ, with β and u by PIRLS. With the exact gradient the joint stage starts from
        // the working model's θ instead, whose search factors without passing over the rows: the
        // search over θ alone took 12 evaluations of the full PIRLS on a 200,000-row design, a
        // third of the fit.
        let gradientRoute = quadrature == nil && model.hasExactLaplaceGradient
        var first = BoundedMinimizer(lowerBounds: lower, initialSteps: thetaLayout.initialSteps)
        first.relativeObjectiveTolerance = 1e-11
        if gradientRoute { first.maximumEvaluations = 1 }
        let stageOne = first.minimize(start: thetaLayout.initial, objective: counted { theta throws(MixedModelError) in
            try model.pirls(&core, theta: theta, state: &state, holdingBeta: false)
            return model.laplaceDeviance(core, state: state)
        })
        guard stageOne.minimum < LinearMixedModel.failedFactorizationObjective else {
            throw failure ?? .optimizerFailed(message: "no θ gave a finite Laplace deviance (\(stageOne.message))")
        }
        let thetaStart = gradientRoute
            ? try model.workingModelStart(&core, theta: stageOne.minimizer, state: &state)
            : stageOne.minimizer
        if !gradientRoute { try model.pirls(&core, theta: thetaStart, state: &state, holdingBeta: false) }
        let firstEvaluations = evaluations

        // Stage 2: (θ, β) and log k, with u by PIRLS at the held β.
        var effects = effectsOnly
        let betaSteps = core.fixedEffectsCovarianceFactor().elements.enumerated()
            .filter { $0.offset % (p + 1) == 0 }.map { max($0.element.squareRoot(), 1e-4) }
        let t = thetaLayout.count
        func objective(_ x: [Double]) throws(MixedModelError) -> Double {
            let theta = Array(x[..<t])
            state.beta = Array(x[t..<(t + p)])
            var current = model
            if dispersive { current.family = family.withDispersion(Foundation.exp(x[t + p])) }
            try current.pirls(&effects, theta: theta, state: &state, holdingBeta: true)
            if let quadrature { return quadrature.deviance(current, core: effects, state: state) }
            return current.laplaceDeviance(effects, state: state)
        }
        let logDispersion = model.family.dispersion.map { [Foundation.log($0)] } ?? []
        let jointLower = lower + Array(repeating: -.infinity, count: p + logDispersion.count)
        let jointStart = thetaStart + state.beta + logDispersion
        var stageTwo: MinimizationResult
        var hessian: Matrix?
        if gradientRoute {
            let frozen = model
            var stage = GradientStage(lower: jointLower) { x throws(MixedModelError) in
                evaluations += 1
                let theta = Array(x[..<t])
                state.beta = Array(x[t..<(t + p)])
                try frozen.pirls(&effects, theta: theta, state: &state, holdingBeta: true)
                let value = frozen.laplaceDeviance(effects, state: state)
                progress?(evaluations, value)
                guard let gradient = frozen.laplaceGradient(effects, theta: theta, state: state) else {
                    throw .pirlsFailed(message: "the weighted factor is not positive definite at θ = \(theta)")
                }
                return (value, gradient)
            } independentGradient: {
                let (warmCore, warmState) = (effects, state)
                return { x in frozen.displacedGradient(warmCore, state: warmState, theta: Array(x[..<t]), beta: Array(x[t..<(t + p)])) }
            }
            stage.countIndependent = { evaluations += $0 }
            let outcome = stage.minimize(start: jointStart)
            stageTwo = outcome.result
            hessian = outcome.hessian
            failure = outcome.failure ?? failure
        } else {
            stageTwo = bobyqaStage(start: jointStart, lower: jointLower, steps: betaSteps, dispersionCount: logDispersion.count, objective: counted(objective))
        }
        guard stageTwo.minimum < LinearMixedModel.failedFactorizationObjective else {
            throw failure ?? .optimizerFailed(message: "no (θ, β) gave a finite Laplace deviance (\(stageTwo.message))")
        }
        // BOBYQA starts the joint stage at the first stage's point and never ends above it.
        let best = stageTwo.minimizer
        let theta = Array(best[..<t])
        let beta = Array(best[t..<(t + p)])
        if dispersive { model.family = family.withDispersion(Foundation.exp(best[t + p])) }

        // Cov β̂ from the central-difference Hessian in (θ, β, log k); then the state back at the optimum.
        if hessian == nil { hessian = try centralHessian(at: best, objective: objective) }
        let covariance = hessian.flatMap { Self.fixedEffectsCovariance(hessian: $0, thetaCount: t, fixedCount: p) }
        let bestValue = try objective(best)
        let fixed = design.fixedEffects.names.indices.map { j in
            FixedEffectEstimate(name: design.fixedEffects.names[j], estimate: beta[j], standardError: covariance.map { $0[j, j].squareRoot() } ?? .nan)
        }
        var warnings = design.warnings
        if covariance == nil {
            warnings.append("the Hessian of the deviance in (θ, β) is not positive definite at the optimum; standard errors are not available")
        }
        let singular = theta.indices.contains { lower[$0] == 0 && theta[$0] < LinearMixedModel.singularTolerance }
        if singular {
            warnings.append("boundary (singular) fit: some random-effect variances are estimated as zero or correlations as ±1; see lme4's ?isSingular")
        }
        let fitted = state.eta.map(link.mean)
        if family.name == BinomialFamily().name, fitted.contains(where: { $0 < 1e-8 || $0 > 1 - 1e-8 }) {
            warnings.append("fitted probabilities numerically 0 or 1 occurred: some rows are predicted with certainty, as where a level or a fixed effect separates the outcomes (quasi-complete separation); estimates on the logit scale beyond ±10 and their standard errors are not to be trusted")
        }
        // The gradient route's first stage is one evaluation by design.
        let converged = (gradientRoute || stageOne.converged) && stageTwo.converged
        if !converged {
            warnings.append("the optimizer stopped without converging (\(stageOne.message); \(stageTwo.message)); the estimates may be inaccurate")
        }
        let lambdas = thetaLayout.lambdas(theta)
        let components = blocks.enumerated().flatMap { k, block in
            block.varianceComponents(lambda: lambdas[k].elements, theta: theta[thetaLayout.range(ofBlock: k)], scale: 1)
        }
        let modes = effects.conditionalModes(of: blocks, u: state.u, varianceScale: 1)
        let y = design.response
        let unitDeviances = fitted.indices.map { model.family.deviance(y[$0], fitted[$0], weight: priorWeights[$0]) }
        let pearson = fitted.indices.map { (y[$0] - fitted[$0]) / (model.family.variance(fitted[$0]) / priorWeights[$0]).squareRoot() }
        let devianceResiduals = fitted.indices.map { (y[$0] < fitted[$0] ? -1.0 : 1.0) * max(unitDeviances[$0], 0).squareRoot() }
        return GeneralizedLinearMixedModelFit(
            formula: design.formula, family: family.name, link: link, nAGQ: nAGQ, nobs: design.nobs, objective: bestValue,
            dispersion: model.family.dispersion, degreesOfFreedom: p + t + logDispersion.count, residualDeviance: unitDeviances.reduce(0, +), fixedEffects: fixed,
            fixedEffectsCovariance: covariance ?? Matrix(rows: p, columns: p, elements: Array(repeating: .nan, count: p * p)), theta: theta,
            thetaNames: thetaNames, varianceComponents: components, levelCounts: blocks.map { ($0.group, $0.levelCount) },
            randomEffects: modes, linearPredictor: state.eta, fitted: fitted, pearsonResiduals: pearson, devianceResiduals: devianceResiduals,
            optimizer: gradientRoute
                ? "θ from the PQL working model, then quasi-Newton and Newton over (θ, β) on the exact gradient"
                : "BOBYQA over θ with β by PIRLS, then BOBYQA over (θ, β)\(nAGQ > 1 ? " by \(nAGQ)-point quadrature" : "")",
            evaluations: (firstEvaluations, evaluations - firstEvaluations),
            converged: converged, isSingular: singular, warnings: warnings, seconds: started.duration(to: clock.now).seconds)
    }

    /// The joint stage without a gradient: BOBYQA over x = (θ, β, log dispersion) from `start`, with
    /// first steps a fifth of the first stage's for θ and of β's standard errors. BOBYQA can stop
    /// short on the flat ridges of (θ, β) (a Poisson model with an observation-level effect: 1.8e-4
    /// above glmmTMB's optimum), so it is restarted from where it stopped with smaller first steps
    /// until a restart gains less than 1e-10 relative.
    private func bobyqaStage(
        start: [Double], lower: [Double], steps betaSteps: [Double], dispersionCount: Int, objective: @escaping ([Double]) -> Double
    ) -> MinimizationResult {
        var second = BoundedMinimizer(
            lowerBounds: lower,
            initialSteps: thetaLayout.initialSteps.map { $0 / 5 } + betaSteps.map { $0 / 5 } + Array(repeating: 0.2, count: dispersionCount))
        second.relativeObjectiveTolerance = 1e-12
        var stageTwo = second.minimize(start: start, objective: objective)
        for _ in 0..<5 where stageTwo.minimum < LinearMixedModel.failedFactorizationObjective {
            var restart = second
            restart.initialSteps = second.initialSteps?.map { $0 / 10 }
            let again = restart.minimize(start: stageTwo.minimizer, objective: objective)
            let gain = stageTwo.minimum - again.minimum
            if again.minimum < stageTwo.minimum {
                stageTwo = MinimizationResult(
                    minimizer: again.minimizer, minimum: again.minimum, evaluations: stageTwo.evaluations + again.evaluations,
                    message: again.message, converged: again.converged)
            }
            if gain <= 1e-10 * abs(stageTwo.minimum) { break }
        }
        return stageTwo
    }

    /// The most quadrature points `fit(nAGQ:)` takes.
    public static let maximumQuadraturePoints = 100

    /// The Hessian of `objective` at x by central differences with step h = 10⁻⁴ (lme4's `deriv12`
    /// step), in k² + k + 1 evaluations: Hᵢᵢ = (f₊ᵢ − 2f₀ + f₋ᵢ)/h² and, from the points along the
    /// diagonals eᵢ + eⱼ, Hᵢⱼ = (f₊ᵢ₊ⱼ + f₋ᵢ₋ⱼ − f₊ᵢ − f₋ᵢ − f₊ⱼ − f₋ⱼ + 2f₀)/(2h²), both O(h²).
    func centralHessian(at x: [Double], objective: ([Double]) throws(MixedModelError) -> Double) throws(MixedModelError) -> Matrix {
        let k = x.count
        let h = 1e-4
        func value(_ steps: [(Int, Double)]) throws(MixedModelError) -> Double {
            var point = x
            for (i, step) in steps { point[i] += step }
            return try objective(point)
        }
        let center = try objective(x)
        var plus = [Double](repeating: 0, count: k), minus = plus
        var hessian = Matrix(rows: k, columns: k)
        for i in 0..<k {
            plus[i] = try value([(i, h)])
            minus[i] = try value([(i, -h)])
            hessian[i, i] = (plus[i] - 2 * center + minus[i]) / (h * h)
        }
        for i in 0..<k {
            for j in 0..<i {
                let both = try value([(i, h), (j, h)]) + value([(i, -h), (j, -h)])
                let mixed = (both - plus[i] - minus[i] - plus[j] - minus[j] + 2 * center) / (2 * h * h)
                hessian[i, j] = mixed
                hessian[j, i] = mixed
            }
        }
        return hessian
    }

    /// The β block of 2H⁻¹ (rows `thetaCount ..< thetaCount + fixedCount`), or nil when H is not
    /// positive definite.
    static func fixedEffectsCovariance(hessian: Matrix, thetaCount: Int, fixedCount p: Int) -> Matrix? {
        let k = hessian.rows
        guard let inverse = CholeskyInverse.inverseOfPositiveDefinite(hessian.elements, n: k) else { return nil }
        var covariance = Matrix(rows: p, columns: p)
        for j in 0..<p {
            for i in 0..<p { covariance[i, j] = 2 * inverse[(thetaCount + i) + (thetaCount + j) * k] }
        }
        return covariance
    }
}
