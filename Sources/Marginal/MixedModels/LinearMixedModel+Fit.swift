import Foundation

extension LinearMixedModel {
    /// The largest slope of the criterion (deviance units per unit of φ = c·θ, projected on the
    /// bounds) a converged fit may leave: at the optima of the 36 fits of the density test designs
    /// it is at most 6e-4 (BOBYQA) and 1e-5 (L-BFGS-B), and a change of φ by 0.1 along such a
    /// slope moves the criterion by 10⁻³.
    static let gradientTolerance = 1e-2

    /// The largest slope of the criterion projected on the bounds (|g| inside, max(0, −g) at a zero
    /// on a lower bound of 0) and where it is; nil for no parameters.
    static func remainingSlope(gradient: [Double], theta: [Double], lower: [Double]) -> (value: Double, index: Int)? {
        let projected = gradient.indices.map { lower[$0] == 0 && theta[$0] == 0 ? max(0, -gradient[$0]) : abs(gradient[$0]) }
        return projected.indices.max { projected[$0] < projected[$1] }.map { (projected[$0], $0) }
    }

    /// ∂(criterion)/∂φ at θ by central differences in φ = c·θ with step 10⁻⁵ (forward at a zero on
    /// its lower bound), for designs without the exact gradient: about 10⁻⁹ of rounding in the
    /// criterion gives errors near 10⁻⁴, far below ``gradientTolerance``. Leaves the factor at θ.
    static func differenceGradient(
        _ factor: inout PenalizedLeastSquares, theta: [Double], scales: [Double], lower: [Double], criterion: FitCriterion
    ) -> [Double] {
        let h = 1e-5
        let center = objective(&factor, theta: theta, criterion: criterion)
        let gradient = theta.indices.map { i in
            func value(_ step: Double) -> Double {
                var point = theta
                point[i] += step / scales[i]
                return objective(&factor, theta: point, criterion: criterion)
            }
            if lower[i] == 0 && theta[i] == 0 { return (value(h) - center) / h }
            return (value(h) - value(-h)) / (2 * h)
        }
        _ = objective(&factor, theta: theta, criterion: criterion)
        return gradient
    }

    /// θ elements with lower bound 0 below this are treated as zero, and a fit with one is
    /// singular (lme4's `isSingular` tolerance, applied to φ = c·θ of ``thetaScales``, so that it
    /// does not depend on the units of the random-effect columns).
    static let singularTolerance = 1e-4

    /// Fits the model: minimizes the profiled objective over θ with BOBYQA (from the start of
    /// ``startingPoint(scales:)``, in the scaled coordinates of ``thetaScales``), then
    /// computes β̂, σ̂, the variance components and the conditional modes at θ̂.
    ///
    /// A diagonal θ element that ends within ``singularTolerance`` of its bound is set to 0 when
    /// that does not raise the objective by more than the optimizer's relative tolerance, so singular fits
    /// report exact zeros as lme4 does.
    ///
    /// - Parameter progress: called after each evaluation with its number and objective value.
    public func fit(
        criterion: FitCriterion = .reml, optimizer choice: ThetaOptimizer = .automatic,
        progress: ((_ evaluation: Int, _ objective: Double) -> Void)? = nil
    ) throws(MixedModelError) -> LinearMixedModelFit {
        let clock = ContinuousClock()
        let started = clock.now
        let lower = thetaLowerBounds
        var factor = PenalizedLeastSquares(products: products, factors: factors)
        factor.downdateThreads = BLAS.threadCount
        var log: [OptimizationRecord.Evaluation] = []
        let scales = thetaScales
        let (startPhi, steps) = startingPoint(scales: scales)
        let start = zip(startPhi, scales).map { $0 / $1 }
        let minimizer = BoundedMinimizer(lowerBounds: lower, initialSteps: steps)
        let objective: ([Double]) -> Double = { phi in
            let theta = zip(phi, scales).map { $0 / $1 }
            let value = Self.objective(&factor, theta: theta, criterion: criterion)
            log.append(.init(theta: theta, objective: value))
            progress?(log.count, value)
            return value
        }
        var result: MinimizationResult
        let gradientAvailable = products.nested.isEmpty
        let useGradient = switch choice {
        case .automatic: gradientAvailable && thetaCount >= ThetaOptimizer.automaticGradientMinimum
        case .lbfgs: gradientAvailable
        case .bobyqa: false
        }
        if useGradient {
            var quasiNewton = LBFGSMinimizer(lowerBounds: lower)
            quasiNewton.relativeObjectiveTolerance = minimizer.relativeObjectiveTolerance
            quasiNewton.maximumEvaluations = minimizer.maximumEvaluations
            result = quasiNewton.minimize(start: startPhi) { phi, gradient in
                let theta = zip(phi, scales).map { $0 / $1 }
                let value = Self.objective(&factor, theta: theta, criterion: criterion)
                log.append(.init(theta: theta, objective: value))
                progress?(log.count, value)
                guard value < Self.failedFactorizationObjective, let g = factor.profiledGradient(criterion: criterion) else {
                    for i in gradient.indices { gradient[i] = 0 }
                    return value
                }
                for i in gradient.indices { gradient[i] = g[i] / scales[i] }
                return value
            }
            // BOBYQA from there, with small first steps: L-BFGS's projected steps can stall on a
            // bound that the optimum is not on (sleepstudy with an offset: 0.13% above, singular).
            var polish = minimizer
            polish.initialSteps = steps.map { $0 / 20 }
            let polished = polish.minimize(start: result.minimizer, objective: objective)
            if polished.minimum <= result.minimum {
                result = MinimizationResult(
                    minimizer: polished.minimizer, minimum: polished.minimum, evaluations: result.evaluations + polished.evaluations,
                    message: "\(result.message), then BOBYQA \(polished.message)", converged: polished.converged)
            }
        } else {
            result = minimizer.minimize(start: startPhi, objective: objective)
        }
        guard result.minimum.isFinite, result.minimum < Self.failedFactorizationObjective else {
            throw .optimizerFailed(message: "no θ gave a positive-definite factor (\(result.message))")
        }
        var theta = zip(result.minimizer, scales).map { $0 / $1 }
        var best = result.minimum
        // The factor holds the last θ evaluated; it is refactored at θ̂ only if that differs.
        var factored = log.last?.theta
        let nearZero = { (i: Int, theta: [Double]) in lower[i] == 0 && theta[i] * scales[i] < Self.singularTolerance }
        for i in theta.indices where theta[i] > 0 && nearZero(i, theta) {
            var candidate = theta
            candidate[i] = 0
            let value = Self.objective(&factor, theta: candidate, criterion: criterion)
            factored = candidate
            if value - best <= minimizer.relativeObjectiveTolerance * abs(best) {
                theta = candidate
                best = min(best, value)
            }
        }
        if factored != theta { _ = Self.objective(&factor, theta: theta, criterion: criterion) }
        var warnings: [String] = []
        var converged = result.converged
        if !result.converged {
            warnings.append("the optimizer stopped without converging (\(result.message) after \(result.evaluations) evaluations); the estimates may be inaccurate")
        }
        // The post-fit check: the gradient in the optimizer's coordinates, projected on the bounds,
        // must vanish: the exact one, or central differences where there is none (nested blocks).
        let gradient = factor.profiledGradient(criterion: criterion).map { g in g.indices.map { g[$0] / scales[$0] } }
            ?? Self.differenceGradient(&factor, theta: theta, scales: scales, lower: lower, criterion: criterion)
        if result.converged,
           let slope = Self.remainingSlope(gradient: gradient, theta: theta, lower: lower), slope.value > Self.gradientTolerance {
            converged = false
            warnings.append("the optimizer stopped where the criterion still has slope \(rNumberLabel(slope.value)) in \(thetaNames[slope.index]); the estimates may be off: \(gradientAvailable ? "refit with --optimizer \(useGradient ? "bobyqa" : "lbfgs")" : "check the scale of the random-effect columns, or simplify the model")")
        }
        let dof = Double(criterion.residualDegreesOfFreedom(n: design.nobs, p: design.fixedEffects.p))
        if factor.penalizedResidualSumOfSquares / dof <= 1e-12 * SampleMoments.variance(design.responseLessOffset) {
            warnings.append("the model fits the data exactly (residual SD ≈ 0): the residual variance, and with it every variance component, cannot be estimated")
        }
        let singular = theta.indices.contains { nearZero($0, theta) }
        if singular {
            warnings.append("boundary (singular) fit: some random-effect variances are estimated as zero or correlations as ±1; see lme4's ?isSingular")
        }
        let record = OptimizationRecord(
            optimizer: useGradient ? "L-BFGS-B on the exact gradient, then BOBYQA (NLopt)" : "BOBYQA (NLopt)", initialTheta: start, finalTheta: theta,
            evaluations: result.evaluations, message: result.message, converged: converged, log: log, finalGradient: gradient)
        var fit = summarize(
            factor: factor, theta: theta, objective: best, criterion: criterion,
            singular: singular, record: record, warnings: design.warnings + warnings)
        fit.seconds = started.duration(to: clock.now).seconds
        return fit
    }

    /// Everything a fit reports, from the factor at θ̂ (also used by the EM fit).
    func summarize(
        factor: PenalizedLeastSquares, theta: [Double], objective: Double, criterion: FitCriterion,
        singular: Bool, record: OptimizationRecord, warnings: [String]
    ) -> LinearMixedModelFit {
        let n = design.nobs
        let p = design.fixedEffects.p
        let sigma2 = factor.penalizedResidualSumOfSquares / Double(criterion.residualDegreesOfFreedom(n: n, p: p))
        let sigma = sigma2.squareRoot()
        let (u, beta) = factor.solve()
        let covarianceFactor = factor.fixedEffectsCovarianceFactor()
        var vcov = covarianceFactor
        for i in vcov.elements.indices { vcov.elements[i] *= sigma2 }
        let fixed = zip(design.fixedEffects.names, beta).enumerated().map { j, pair in
            FixedEffectEstimate(name: pair.0, estimate: pair.1, standardError: vcov[j, j].squareRoot())
        }
        var components: [VarianceComponent] = []
        var fitted = design.offset ?? [Double](repeating: 0, count: n)
        let x = design.fixedEffects.matrix
        for j in 0..<p {
            for i in 0..<n { fitted[i] += x[i, j] * beta[j] }
        }
        let modes = factor.conditionalModes(of: blocks, u: u, varianceScale: sigma2)
        for (k, block) in blocks.enumerated() {
            components += block.varianceComponents(lambda: factor.lambdas[k], theta: theta[thetaLayout.range(ofBlock: k)], scale: sigma)
            for i in 0..<n {
                let level = Int(block.codes[i])
                for a in 0..<block.dimension { fitted[i] += block.z[a, i] * modes[k].modes[level, a] }
            }
        }
        let residuals = zip(design.response, fitted).map { $0 - $1 }
        let dof = p + theta.count + 1
        return LinearMixedModelFit(
            criterion: criterion, formula: design.formula, responseName: design.responseName, nobs: n,
            objective: objective, logLikelihood: -objective / 2,
            aic: objective + 2 * Double(dof), bic: objective + Double(dof) * Foundation.log(Double(n)),
            degreesOfFreedom: dof, fixedEffects: fixed, fixedEffectsCovariance: vcov, sigma: sigma,
            theta: theta, thetaNames: thetaNames, varianceComponents: components, randomEffects: modes,
            fitted: fitted, residuals: residuals, weights: design.weights, isSingular: singular, optimization: record,
            warnings: warnings, seconds: 0, aliasedColumns: design.fixedEffects.aliased,
            droppedRows: design.droppedRows)
    }
}

extension Duration {
    /// The duration in seconds as a Double.
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) * 1e-18
    }
}
