import Foundation

extension GeneralizedLinearMixedModel: MixedModel {
    /// Maximum likelihood by the Laplace approximation (or adaptive quadrature with
    /// ``ComparisonSettings/quadraturePoints``), penalized quasi-likelihood, and, for one scalar
    /// random-effect term with a canonical link, NUTS with the effects integrated out by
    /// quadrature; the other methods are not written for non-Gaussian responses yet, and REML is
    /// not defined for them.
    public var estimationMethods: [EstimationMethod] {
        let sampled = blocks.count == 1 && blocks[0].dimension == 1 && link == family.canonicalLink && family.dispersion == nil
        return sampled ? [.ml, .pql, .map, .nuts] : [.ml, .pql]
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
        if method == .nuts {
            let posterior = try samplePosterior(PosteriorRequest(
                priors: settings.priors,
                settings: SamplerSettings(chains: settings.chains, warmup: settings.warmup, draws: settings.draws, seed: settings.seed),
                recover: false), progress: nil)
            return MethodResult(
                method: method, estimates: GlobalEstimates(posterior: posterior, group: blocks[0].group, column: blocks[0].parts[0].term.columnNames[0]), objective: nil,
                seconds: posterior.samplingSeconds, warnings: posterior.warnings,
                notes: ["posterior means from \(settings.chains) chains × \(settings.draws) draws after \(settings.warmup) warmup; \(posterior.strategy)"],
                intervals: posterior.centralIntervals(level: 0.95))
        }
        let fit = try fit(nAGQ: settings.quadraturePoints)
        return MethodResult(method: method, estimates: GlobalEstimates(fit: fit), objective: fit.objective, seconds: fit.seconds, warnings: fit.warnings)
    }

    /// NUTS on the posterior with the model's one scalar random-effect term integrated out by
    /// adaptive Gauss–Hermite quadrature (``QuadratureMarginalizedDensity``; `--marginalize auto`,
    /// `all` or the term's factor), with the defaults of ``GeneralizedPriors`` and the request's
    /// settings; the effects are recovered by exact rejection draws. Other strategies and models
    /// (several terms, vector terms, non-canonical links, estimated dispersion) are refused,
    /// naming what applies.
    public func samplePosterior(
        _ request: PosteriorRequest, progress: (@Sendable (SamplingProgress) -> Void)?
    ) throws(BayesianError) -> PosteriorSample {
        guard blocks.count == 1, let block = blocks.first else {
            throw .strategy("sampling a \(family.name) model is written for one scalar random-effect term, such as (1 | g), integrated out by quadrature; this model has \(blocks.count) grouping factors")
        }
        let points = request.quadraturePoints ?? PosteriorRequest.defaultQuadraturePoints
        let joint: Bool
        switch request.strategy {
        case nil, .marginalizeAll, .quadrature: joint = false
        case .marginalizeOne(let group, _) where group == block.group: joint = false
        case .marginalizeNone(.nonCentered): joint = true
        case let other?:
            throw .strategy("a \(family.name) model is sampled with its random effects integrated out by adaptive quadrature (--marginalize auto or \(block.group)) or all sampled non-centred (--marginalize none); '\(other)' is not written for generalized models yet")
        }
        try request.checkMemory(valuesPerDraw: design.fixedEffects.p + 1 + (request.recover || joint ? block.effectCount : 0))
        var priors = GeneralizedPriors(design: design, group: block.group, column: block.parts[0].term.columnNames[0])
        do { try priors.set(request.priors) } catch { throw .prior(error) }
        func run(_ strategy: SamplingStrategy) -> PosteriorRun {
            PosteriorRun(
                design: design, blocks: blocks, strategy: strategy, settings: request.settings,
                recover: request.recover, keepEffectDraws: request.keepEffectDraws, progress: progress, family: family.name)
        }
        do {
            if joint {
                let density = try GeneralizedJointDensity(model: self, fixedPriors: priors.fixedEffects, sdPrior: priors.standardDeviation)
                return try run(.marginalizeNone(.nonCentered)).sample(density, priors: priors.entries, globalCount: design.fixedEffects.p + 1)
            }
            let density = try QuadratureMarginalizedDensity(model: self, points: points, fixedPriors: priors.fixedEffects, sdPrior: priors.standardDeviation)
            return try run(.quadrature(group: block.group, points: points)).sample(density, priors: priors.entries, globalCount: density.dimension, laplaceStart: true)
        } catch let error as BayesianError {
            throw error
        } catch {
            throw .strategy(String(describing: error))
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

    /// Posterior means of a generalized model sampled with one scalar term integrated out
    /// (``GeneralizedLinearMixedModel/samplePosterior(_:progress:)``: `b[…]`, then the SD), with
    /// posterior SDs of β as its standard errors.
    init(posterior: PosteriorSample, group: String, column: String) {
        let fixed = posterior.parameters.dropLast()
        self.init(
            fixedEffectNames: fixed.map { String($0.name.dropFirst(2).dropLast()) }, beta: fixed.map(\.mean),
            standardErrors: fixed.map(\.sd), group: group, column: column, sd: posterior.parameters.last?.mean ?? .nan)
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
