/// How the random effects of a linear mixed model are handled when its posterior is sampled.
/// Every strategy targets the same model and priors, so their results can be compared; they
/// differ in what the sampler sees and in cost.
public enum SamplingStrategy: Sendable, Equatable, CustomStringConvertible {
    /// Every random effect integrated out through the blocked Cholesky factor: the sampler sees
    /// only β, σ and the covariance parameters (``MarginalizedMixedModelDensity``).
    case marginalizeAll
    /// One grouping factor's effects integrated out (Lai, Domke & Sheldon 2024), the others
    /// sampled partially non-centered (the default) or non-centered (``OneClassMarginalizedDensity``).
    case marginalizeOne(group: String, effects: RandomEffectParameterization = .partial)
    /// Several grouping factors' effects integrated out through the blocked factor over them, the
    /// others sampled partially non-centered (the default) or non-centered (``SubsetMarginalizedDensity``).
    case marginalizeSubset(groups: [String], effects: RandomEffectParameterization = .partial)
    /// Nothing integrated out: every random effect sampled (``JointMixedModelDensity``).
    case marginalizeNone(RandomEffectParameterization)
    /// Random-effect covariances known (e.g. SDs fixed by group); all effects integrated out
    /// through a one-time eigendecomposition, so only β and σ are sampled
    /// (``KnownCovarianceDensity``).
    case knownCovariance(KnownCovarianceSpecification)
    /// A generalized model's scalar term on `group` integrated out level by level by K-point
    /// adaptive Gauss–Hermite quadrature, any other terms' effects sampled non-centred, so with
    /// one term the sampler sees only β and the term's SD (``GeneralizedMixedDensity``).
    case quadrature(group: String, points: Int)

    public var description: String {
        switch self {
        case .marginalizeAll: return "all random effects integrated out"
        case .marginalizeOne(let group, let effects):
            return "random effects of '\(group)' integrated out, the others sampled (\(effects.rawValue))"
        case .marginalizeSubset(let groups, let effects):
            return "random effects of " + groups.map { "'\($0)'" }.joined(separator: ", ") + " integrated out, the others sampled (\(effects.rawValue))"
        case .marginalizeNone(let parameterization): return "every random effect sampled (\(parameterization.rawValue))"
        case .knownCovariance(let specification):
            let list = specification.entries.map { entry in
                switch entry.covariance {
                case .standardDeviation(let sd): return "\(entry.group)=\(Prior.format(sd))"
                case .factor: return "\(entry.group): covariance factor"
                }
            }.joined(separator: ", ")
            return "random-effect covariances fixed (\(list)), all random effects integrated out"
        case .quadrature(let group, let points):
            return "random effects of '\(group)' integrated out by \(points)-point adaptive Gauss-Hermite quadrature, any others sampled (noncentered)"
        }
    }
}

extension SamplingStrategy {
    /// The strategy `--marginalize auto` picks for `model`, by cost:
    ///
    /// - everything integrated out (``marginalizeAll``), unless the model has crossed grouping
    ///   factors whose dense block is large for the data: with q the random effects of every
    ///   grouping factor but the one with the most levels (the dense trailing block of the
    ///   Cholesky factor, O(q³) per gradient) and N the observations, q³ > 600·N (q > 350 for
    ///   73,000 rows, q > 840 for a million); then
    /// - one grouping factor integrated out (``marginalizeOne(group:effects:)``, O(N) per gradient)
    ///   and the others sampled partially non-centered: the factor with the most observations per
    ///   random effect, N/(ℓS), so that the sampled factors are the ones whose levels carry the
    ///   least data each, where the partially non-centered form standardizes best.
    ///
    /// The factor 600 is the measured break-even on this project's machine: a dense gradient
    /// costs about q³/(7·10¹⁰) s, a one-class gradient N/(4·10⁸) s, and the one-class route takes
    /// 3–4 times as many gradients per draw.
    public static func automatic(for model: LinearMixedModel) -> SamplingStrategy {
        let blocks = model.blocks
        guard blocks.count >= 2 else { return .marginalizeAll }
        let dense = Double(blocks.dropFirst().reduce(0) { $0 + $1.effectCount })
        let rows = Double(model.design.nobs)
        guard dense * dense * dense > 600 * rows else { return .marginalizeAll }
        // Most observations per random effect; ties go to the engine's order.
        var best = blocks[0]
        for block in blocks.dropFirst() where block.effectCount < best.effectCount { best = block }
        return .marginalizeOne(group: best.group, effects: .partial)
    }
}

extension SamplingStrategy {
    /// The strategy `--marginalize auto` picks for a generalized model: the scalar term with the
    /// most random effects (levels) integrated out by `points`-point adaptive Gauss–Hermite
    /// quadrature and the other terms sampled non-centred (``quadrature(group:points:)``); with
    /// no scalar term, every effect sampled non-centred (``marginalizeNone(_:)``). Quadrature
    /// costs K likelihood evaluations per row whatever is integrated out, while every effect
    /// left to the sampler is a coordinate of x, so integrating out the largest scalar term
    /// leaves NUTS the fewest (and, with few rows per level, worst-informed) coordinates.
    public static func automatic(for model: GeneralizedLinearMixedModel, points: Int) -> SamplingStrategy {
        var best: RandomEffectBlock?
        for block in model.blocks where block.dimension == 1 && block.levelCount > (best?.levelCount ?? 0) { best = block }
        guard let best else { return .marginalizeNone(.nonCentered) }
        return .quadrature(group: best.group, points: points)
    }
}
