import Foundation

extension GeneralizedLinearMixedModel: MixedModel {
    /// Maximum likelihood by the Laplace approximation (or adaptive quadrature with
    /// ``ComparisonSettings/quadraturePoints``), penalized quasi-likelihood, and, with a canonical
    /// link and no dispersion: joint MAP centred (`map`, one scalar term) and non-centred
    /// (`map-nc`, ``fitNonCenteredJointMAP(priors:maximumEvaluations:)``), mean-field ADVI (`vi`,
    /// ``fitMeanFieldVI(options:priors:summaryDraws:)``) and NUTS (``samplePosterior(_:progress:)``'s
    /// automatic strategy). EM and `vi-joint` are not written for non-Gaussian responses, and REML
    /// is not defined for them.
    public var estimationMethods: [EstimationMethod] {
        guard link == family.canonicalLink, family.dispersion == nil else { return [.ml, .pql] }
        let scalar = blocks.count == 1 && blocks[0].dimension == 1
        return [.ml, .pql] + (scalar ? [.map] : []) + [.mapNonCentered, .vi, .nuts] + (hasExactLaplaceGradient ? [.nutsLaplace] : [])
    }

    /// No method that applies takes settings.
    public func validate(_ settings: ComparisonSettings) throws {}

    public func estimate(_ method: EstimationMethod, settings: ComparisonSettings) throws -> MethodResult {
        guard estimationMethods.contains(method) else {
            throw EstimationError.invalidOption(
                name: "method", value: method.rawValue,
                requirement: "one that applies to a \(family.name) model (\(estimationMethods.map(\.rawValue).joined(separator: ", ")))")
        }
        if method == .pql {
            let fit = try fitPQL()
            return MethodResult(
                method: method, estimates: GlobalEstimates(pql: fit), objective: nil, seconds: fit.seconds,
                warnings: fit.converged ? [] : ["penalized quasi-likelihood did not settle in \(fit.iterations) working fits"],
                notes: ["\(fit.iterations) working LMM fits; working residual SD \(NumberFormat.significant(fit.residualScale, 4))"])
        }
        if method == .map {
            let fit = try fitJointMAP(priors: settings.priors)
            return MethodResult(
                method: method, estimates: fit.estimates, objective: fit.objective, seconds: fit.seconds,
                warnings: fit.collapsed ? ["the SD collapsed to \(NumberFormat.significant(fit.estimates.varianceComponents[0].standardDeviations[0], 2)) with every effect shrunk to 0: the joint density has no maximum (it grows without bound as the SD → 0)"] : [],
                notes: ["joint MAP, centred, L-BFGS over β, log SD and every effect; \(fit.evaluations) evaluations"])
        }
        if method == .mapNonCentered {
            let fit = try fitNonCenteredJointMAP(priors: settings.priors)
            return MethodResult(method, jointMAP: fit, notes: [
                "joint MAP, non-centred (b = T z), L-BFGS over β, log SDs, correlation coordinates and z from the Laplace fit; \(fit.iterations) evaluations",
            ])
        }
        if method == .vi {
            return MethodResult(method, variational: try fitMeanFieldVI(options: ADVIOptions(seed: settings.seed), priors: settings.priors), notes: [
                "q over the globals and every effect, the scalar terms partially centred at the Laplace fit (the posterior NUTS samples by default)",
            ])
        }
        if method == .nuts || method == .nutsLaplace {
            let posterior = try samplePosterior(PosteriorRequest(
                strategy: method == .nutsLaplace ? .laplace : nil, priors: settings.priors,
                settings: SamplerSettings(chains: settings.chains, warmup: settings.warmup, draws: settings.draws, seed: settings.seed),
                recover: false), progress: nil)
            let layout = GeneralizedPriors(design: design, blocks: blocks)
            guard var estimates = GlobalEstimates(layout: layout.layout, meanOver: posterior.sampling.chains.flatMap(\.draws).map(layout.layoutCoordinates)) else {
                throw EstimationError.invalidOption(name: "draws", value: "0", requirement: "at least 1")
            }
            estimates.sigma = nil
            return MethodResult(
                method: method, estimates: estimates, objective: nil,
                seconds: posterior.samplingSeconds, warnings: posterior.warnings,
                notes: ["posterior means from \(settings.chains) chains × \(settings.draws) draws after \(settings.warmup) warmup; \(posterior.strategy)"],
                intervals: posterior.centralIntervals(level: 0.95))
        }
        let fit = try fit(nAGQ: settings.quadraturePoints)
        return MethodResult(method: method, estimates: GlobalEstimates(fit: fit), objective: fit.objective, seconds: fit.seconds, warnings: fit.warnings)
    }

    /// NUTS on the posterior with at most one scalar term's effects integrated out by adaptive
    /// Gauss–Hermite quadrature and the others sampled (``GeneralizedMixedDensity``), with the
    /// defaults of ``GeneralizedPriors`` and the request's settings:
    ///
    /// - `--marginalize auto` (nil): the rule of ``SamplingStrategy/automatic(for:)-generalized``,
    ///   every effect sampled, scalar terms partially centred;
    /// - `all`: the one scalar term integrated out (refused for several terms or a vector term);
    /// - FACTOR or ``SamplingStrategy/quadrature(group:points:)``: that factor's scalar term
    ///   integrated out, the others sampled non-centred;
    /// - `none`: every effect sampled, non-centred or (`partial`) the scalar terms partially
    ///   centred at the model's Laplace fit (``WorkingWeightPilot``);
    /// - `laplace`: every effect integrated out by the Laplace approximation
    ///   (``LaplaceMarginalizedDensity``), an approximate posterior, which its warnings say.
    ///
    /// The integrated effects are recovered by exact rejection draws, so the output has every
    /// random effect whatever the strategy.
    public func samplePosterior(
        _ request: PosteriorRequest, progress: (@Sendable (SamplingProgress) -> Void)?
    ) throws(BayesianError) -> PosteriorSample {
        guard link == family.canonicalLink, link.canonicalTerms(0) != nil, family.dispersion == nil else {
            throw .strategy("sampling a generalized model is written for canonical links without a dispersion parameter (binomial-logit, Poisson-log), whatever --marginalize says; this model is \(family.name)-\(link.rawValue): fit it with `marginal fit` (Laplace, or --nagq for adaptive quadrature)")
        }
        let points = request.quadraturePoints ?? PosteriorRequest.defaultQuadraturePoints
        var strategy = try resolvedStrategy(request.strategy, points: points)
        let integrated: String?
        var pilot: GeneralizedLinearMixedModelFit?
        var pilotWarning: String?
        switch strategy {
        case .quadrature(let group, _): integrated = group
        case .marginalizeNone(.partial):
            integrated = nil
            do { pilot = try fit() } catch {
                // auto falls back to the non-centred form; a named partial form is refused.
                guard request.strategy == nil else {
                    throw .strategy("the partial form is centred at the model's Laplace fit, which failed (\(error.description)); sample with --marginalize none --parameterization noncentered")
                }
                strategy = .marginalizeNone(.nonCentered)
                pilotWarning = "the Laplace fit that centres the partial form failed (\(error.description)); every effect was sampled non-centred instead"
            }
        default: integrated = nil
        }
        var priors = GeneralizedPriors(design: design, blocks: blocks)
        do { try priors.set(request.priors) } catch { throw .prior(error) }
        if strategy == .laplace, priors.layout.hasStructuredParts {
            throw .strategy("--marginalize laplace is written for lme4's unstructured terms, not yet for covariance structures such as ar1(...); sample with --marginalize none")
        }
        let sampledCount = blocks.filter { $0.group != integrated }.reduce(0) { $0 + $1.effectCount }
        try request.checkMemory(valuesPerDraw: priors.dimension + sampledCount + (request.recover ? blocks.reduce(0) { $0 + $1.effectCount } : 0))
        let run = PosteriorRun(
            design: design, blocks: blocks, strategy: strategy, settings: request.settings,
            recover: request.recover, keepEffectDraws: request.keepEffectDraws, progress: progress, family: family.name)
        do {
            if strategy == .laplace {
                var sample = try run.sample(LaplaceMarginalizedDensity(model: self, priors: priors), priors: priors.entries, globalCount: priors.dimension, laplaceStart: true)
                sample.warnings.insert(Self.laplacePosteriorWarning, at: 0)
                return sample
            }
            let density = try GeneralizedMixedDensity(model: self, integrating: integrated, points: points, priors: priors, pilot: pilot)
            var sample = try run.sample(
                density, priors: priors.entries, globalCount: density.globalCount,
                laplaceStart: integrated != nil || density.sampled.standardizesEffects)
            if let pilotWarning { sample.warnings.insert(pilotWarning, at: 0) }
            return sample
        } catch let error as BayesianError {
            throw error
        } catch {
            throw .strategy(String(describing: error))
        }
    }

    /// What a posterior sampled with `--marginalize laplace` says about itself.
    static let laplacePosteriorWarning = "the random effects were integrated out by the Laplace approximation: this is the posterior of the Laplace likelihood, an approximation of the model's (compare it with --marginalize auto, or `marginal compare --methods nuts,nuts-laplace`); the effects are drawn from the approximation's Gaussian"

    /// The strategy a request names, resolved for this model: `auto` and `all` to a concrete
    /// choice; strategies not written for generalized models refused in plain words.
    func resolvedStrategy(_ requested: SamplingStrategy?, points: Int) throws(BayesianError) -> SamplingStrategy {
        let scalar = blocks.filter { $0.dimension == 1 }.map(\.group)
        switch requested {
        case nil:
            return SamplingStrategy.automatic(for: self)
        case .marginalizeAll?:
            guard blocks.count == 1, let block = blocks.first, block.dimension == 1 else {
                let terms = blocks.map { "\($0.dimension) column(s) on \($0.group)" }.joined(separator: ", ")
                let advice = scalar.first.map { "use --marginalize \($0) to integrate out its term and sample the others, or none to sample every effect" }
                    ?? "use --marginalize none to sample every effect"
                throw .strategy("a \(family.name) model's random effects are integrated out by quadrature one scalar term at a time; this model has \(terms): \(advice)")
            }
            return .quadrature(group: block.group, points: points)
        case .quadrature(let group, let k)?:
            return .quadrature(group: group, points: k)
        case .marginalizeOne(let group, let effects)?:
            guard effects == .nonCentered || blocks.count == 1 else {
                throw .strategy("the other terms of a \(family.name) model are sampled non-centred (--parameterization noncentered); \(effects.rawValue) is written for linear models only")
            }
            return .quadrature(group: group, points: points)
        case .marginalizeNone(.centered)?:
            throw .strategy("with --marginalize none a \(family.name) model's effects are sampled partial or noncentered (--parameterization); centered is written for linear models only")
        case .marginalizeNone(let effects)?:
            return .marginalizeNone(effects)
        case .laplace?:
            return .laplace
        case .knownCovariance?:
            throw .strategy("--fix-sd is written for linear models; a \(family.name) model's SDs are sampled")
        case .marginalizeSubset(let groups, _)?:
            throw .strategy("a \(family.name) model's random effects are integrated out by quadrature one scalar term at a time, not several (" + groups.joined(separator: ", ") + "): name one, e.g. --marginalize \(scalar.first ?? groups[0])")
        }
    }
}

extension GlobalEstimates {
    /// Penalized quasi-likelihood's estimates (the working model's SDs; no dispersion).
    init(pql fit: PenalizedQuasiLikelihoodFit) {
        fixedEffectNames = fit.fixedEffects.map(\.name)
        beta = fit.fixedEffects.map(\.estimate)
        betaStandardErrors = fit.fixedEffects.map(\.standardError)
        sigma = nil
        varianceComponents = fit.varianceComponents
    }

    /// A generalized model's estimates with one scalar term: β (and standard errors) and the SD.
    init(fixedEffectNames: [String], beta: [Double], standardErrors: [Double]?, group: String, column: String, sd: Double) {
        self.fixedEffectNames = fixedEffectNames
        self.beta = beta
        betaStandardErrors = standardErrors
        sigma = nil
        varianceComponents = [VarianceComponent(group: group, names: [column], factor: [sd], ld: 1, rows: [0], rank: 1)]
    }

    /// A generalized fit's estimates: no dispersion for binomial and Poisson.
    init(fit: GeneralizedLinearMixedModelFit) {
        fixedEffectNames = fit.fixedEffects.map(\.name)
        beta = fit.fixedEffects.map(\.estimate)
        betaStandardErrors = fit.fixedEffects.map(\.standardError)
        sigma = nil
        varianceComponents = fit.varianceComponents
    }
}
