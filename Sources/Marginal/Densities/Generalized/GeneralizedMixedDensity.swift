import Foundation

/// The posterior density of a generalized linear mixed model (canonical link, no dispersion:
/// binomial–logit, Poisson–log) that NUTS samples: at most one scalar term's effects integrated
/// out level by level by adaptive Gauss–Hermite quadrature (``QuadratureIntegral``;
/// `--marginalize FACTOR`), every other term's effects sampled non-centred
/// (``SampledGeneralizedTerms``; all of them with `--marginalize none`), or partially centred at a
/// pilot (``WorkingWeightPilot``). The linear model's
/// one-class density (``OneClassMarginalizedDensity``) does the same with the exact Gaussian
/// integral (Lai, Domke & Sheldon 2024).
///
/// x = [γ, the terms' log SDs and correlation coordinates (``GeneralizedPriors``, with the fixed
/// effects β = Bγ in the coordinates of X's QR factor), z of the sampled terms
/// (``SampledGeneralizedTerms``)]. With aᵢ = oᵢ + xᵢᵀβ + Σ_k z_{k,i}ᵀ b_{k,l_k(i)}
/// the offset of row i (the sampled effects included),
///
///     log p(x) = Σ_j log L_j(a, τ) − Σ ‖z‖²/2 + log p(β) + log p(SDs, correlations) + log |J|
///
/// where L_j is level j of the integrated term's marginal likelihood by quadrature, or, with
/// nothing integrated out, Σ_j log L_j(a, τ) is replaced by Σᵢ ℓᵢ(aᵢ); a partially centred
/// term's −Σ‖z‖²/2 is replaced by its prior and Jacobian (``PartialCentering``). Each sampled effect enters
/// the per-level integrals only through the offsets, so the log density stays one deterministic
/// smooth function of x, and its gradient is exact by the chain rule: the integral's (or ℓ′'s)
/// row adjoints rᵢ = ∂/∂aᵢ give ∇β = Xᵀr and, through the sampled terms' pull-back, ∂/∂z and
/// ∂/∂T_k; ∂/∂τ comes from the integral; priors and Jacobians from ``MixedModelParameterization``.
/// With one scalar term and nothing sampled this is the single-term AGHQ density; with nothing
/// integrated out, the non-centred joint density that brms, Stan and NumPyro sample.
struct GeneralizedMixedDensity: LogDensity {
    let model: GeneralizedLinearMixedModel
    let priors: GeneralizedPriors
    /// The integrated term's engine block, nil when every effect is sampled.
    let integrated: Int?
    /// The integrated term's levels (rows in its level order), or all rows as one level.
    let levels: QuadratureLevels
    var integral: QuadratureIntegral?
    var sampled: SampledGeneralizedTerms
    let dimension: Int
    /// The offsets oᵢ in level order; X and the sampled terms' rows are `sampled.rows`.
    let baseOffsets: [Double]
    /// Scratch: the decoded globals, the linear layout's x and gradient, aᵢ, ∂/∂aᵢ and the
    /// likelihood kernel's factors (level order).
    var globals: GlobalParameters
    var layoutX: [Double]
    var layoutGradient: [Double]
    private(set) var offsets: [Double]
    var rowGradient: [Double]
    private var rowFactors: [Double]

    /// `model` with the scalar term of grouping factor `group` integrated out by `points`-point
    /// AGHQ (nil: none), the other terms sampled non-centred, or with a `pilot` (a Laplace fit of
    /// `model`) their scalar ones partially centred (``WorkingWeightPilot``), under `priors`.
    /// Throws where the family, link or the term do not allow it, naming what does.
    init(
        model: GeneralizedLinearMixedModel, integrating group: String?, points: Int, priors: GeneralizedPriors,
        pilot: GeneralizedLinearMixedModelFit? = nil
    ) throws(MixedModelError) {
        guard model.link == model.family.canonicalLink, model.link.canonicalTerms(0) != nil, model.family.dispersion == nil else {
            throw .quadratureNotApplicable(reason: "sampling a generalized model is written for canonical links without a dispersion parameter (binomial–logit, Poisson–log); this model is \(model.family.name)–\(model.link.rawValue)")
        }
        var integrated: Int?
        if let group {
            let groups = model.blocks.map(\.group)
            guard let index = groups.firstIndex(of: group) else {
                throw .quadratureNotApplicable(reason: "the model has no grouping factor '\(group)'; its factors are \(groups.joined(separator: ", "))")
            }
            guard model.blocks[index].dimension == 1 else {
                throw .quadratureNotApplicable(reason: "the factor integrated out by quadrature must carry one scalar term, such as (1 | \(group)); '\(group)' has \(model.blocks[index].dimension) columns (sample its effects with --marginalize none or integrate out another factor)")
            }
            integrated = index
        }
        self.model = model
        self.priors = priors
        self.integrated = integrated
        let levels = QuadratureLevels(model: model, block: integrated.map { model.blocks[$0] })
        self.levels = levels
        integral = integrated == nil ? nil : try QuadratureIntegral(levels: levels, points: points)
        let order = levels.rows.order
        sampled = SampledGeneralizedTerms(
            model: model, blocks: model.blocks.indices.filter { $0 != integrated },
            rows: MixedModelRows(design: model.design, blocks: model.blocks, order: order), start: priors.dimension, pilot: pilot)
        dimension = priors.dimension + sampled.count
        baseOffsets = order.map { model.offset[$0] }
        globals = priors.layout.makeGlobals()
        layoutX = Array(repeating: 0, count: priors.layout.dimension)
        layoutGradient = layoutX
        offsets = baseOffsets
        rowGradient = baseOffsets
        rowFactors = baseOffsets
    }

    /// Number of global coordinates (β, SDs, correlations), before the sampled effects.
    var globalCount: Int { priors.dimension }

    mutating func logDensity(at x: [Double], gradient: inout [Double]) -> Double {
        guard x.count == dimension, gradient.count == dimension else { return -.infinity }
        guard setOffsets(x) else { return -.infinity }
        let integral: (value: Double, tau: Double)?
        if let block = integrated, var quadrature = self.integral {
            // Moved out and back, so that its scratch is not copied on write.
            self.integral = nil
            integral = quadrature.logLikelihood(levels: levels, offsets: offsets, tau: globals.factors[block][0], rowGradient: &rowGradient)
            self.integral = quadrature
        } else {
            let levels = self.levels
            let total = offsets.withUnsafeBufferPointer { eta in
                rowGradient.withUnsafeMutableBufferPointer { gradient in
                    rowFactors.withUnsafeMutableBufferPointer { factors in
                        levels.logLikelihood(eta.baseAddress!, rowGradient: gradient.baseAddress!, factors: factors.baseAddress!)
                    }
                }
            }
            integral = (total, 0)
        }
        guard let integral, integral.value.isFinite else { return -.infinity }
        rowGradient.withUnsafeBufferPointer { r in
            globals.betaAdjoint.withUnsafeMutableBufferPointer { adjoint in
                EffectPasses.accumulateFixed(rows: sampled.rows, weights: r.baseAddress!, into: adjoint.baseAddress!)
            }
        }
        let effectPrior = sampled.pullBack(
            x: x, factors: globals.factors, rowGradient: rowGradient, gradient: &gradient, factorAdjoints: &globals.factorAdjoints,
            betaAdjoint: &globals.betaAdjoint)
        if let block = integrated { globals.factorAdjoints[block][0] = integral.tau }
        let prior = priors.layout.completeGradient(layoutX, globals: &globals, sigmaAdjoint: 0, gradient: &layoutGradient)
        priors.pullBack(layoutGradient, into: &gradient)
        let total = integral.value + effectPrior + prior
        return total.isFinite ? total : -.infinity
    }

    /// Decodes the globals of x and sets aᵢ = oᵢ + xᵢᵀβ + the sampled effects' offsets (level
    /// order); false when an SD is not positive and finite.
    mutating func setOffsets(_ x: [Double]) -> Bool {
        priors.layoutCoordinates(x, into: &layoutX)
        priors.layout.decode(layoutX, into: &globals)
        guard globals.sds.allSatisfy({ $0 > 0 && $0.isFinite }) else { return false }
        let rows = sampled.rows, beta = layoutX, base = baseOffsets
        offsets.withUnsafeMutableBufferPointer { offsets in
            _ = offsets.update(fromContentsOf: base)
            for c in 0..<rows.p { VectorKernels.axpy(beta[c], rows.x.baseAddress! + c * rows.n, offsets.baseAddress!, count: rows.n) }
        }
        sampled.addEffects(x: x, factors: globals.factors, beta: layoutX, to: &offsets)
        return true
    }
}

extension GeneralizedMixedDensity: PointwiseRecovery {
    /// `b[…]`, then per term `sd[…][…]` and `cor[…][a,b]`.
    var globalNames: [String] { priors.parameterNames }

    func globalValues(_ x: [Double]) -> [Double] { priors.reportedValues(x) }
}
