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
    /// A generalized model's random effects all integrated out by the Laplace approximation
    /// (Stan's embedded Laplace), so the sampler sees only β, the SDs and the correlations
    /// (``LaplaceMarginalizedDensity``): an approximate posterior.
    case laplace

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
        case .laplace:
            return "all random effects integrated out by the Laplace approximation (an approximate posterior)"
        }
    }
}

extension SamplingStrategy {
    /// The strategy `--marginalize auto` picks for `model`, by cost:
    ///
    /// - everything integrated out (``marginalizeAll``), unless the model has crossed grouping
    ///   factors whose dense block is large for the data: with q the random effects of every
    ///   grouping factor but the one with the most (the dense trailing block of the Cholesky
    ///   factor, O(q³) per gradient) and N the observations, q³ > 600·N (q > 350 for 73,000
    ///   rows, q > 840 for a million); then
    /// - one grouping factor sampled partially non-centered and every other integrated out,
    ///   where the factor over the others is cheap by the same test: the factor with the most
    ///   random effects (the fewest observations per effect) among those. With one other factor
    ///   that is ``marginalizeOne(group:effects:)`` (O(N) per gradient), with several
    ///   ``marginalizeSubset(groups:effects:)`` (O(N) per gradient plus the small factor): on
    ///   the course-evaluation design, students sampled and lecturers and department × service
    ///   cells integrated out, 4 × (1,000 + 1,000) draws at 94–168 min-ESS/s over eight seeds
    ///   (whole process, two cores) where integrating out the cells alone gave 15 and sampling
    ///   the lecturers instead of the students 21 (they are nested in the departments, so their
    ///   effects trade with the cells' SD);
    /// - otherwise the factor with the most observations per random effect integrated out
    ///   and the others sampled.
    ///
    /// The factor 600 is the measured break-even on this project's machine: a dense gradient
    /// costs about q³/(7·10¹⁰) s, a one-class gradient N/(4·10⁸) s, and the one-class route takes
    /// 3–4 times as many gradients per draw.
    public static func automatic(for model: LinearMixedModel) -> SamplingStrategy {
        let blocks = model.blocks
        guard blocks.count >= 2 else { return .marginalizeAll }
        let rows = Double(model.design.nobs)
        /// Whether the blocked factor over `set` is cheap: its dense block, every block but the
        /// one with the most effects, has q³ ≤ 600·N.
        func factorIsCheap(_ set: [RandomEffectBlock]) -> Bool {
            let q = Double(set.reduce(0) { $0 + $1.effectCount } - (set.map(\.effectCount).max() ?? 0))
            return q * q * q <= 600 * rows
        }
        guard !factorIsCheap(blocks) else { return .marginalizeAll }
        let groups = blocks.map(\.group).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        func rest(_ sampled: String) -> [RandomEffectBlock] { blocks.filter { $0.group != sampled } }
        func effects(_ group: String) -> Int { blocks.filter { $0.group == group }.reduce(0) { $0 + $1.effectCount } }
        let candidates = groups.filter { factorIsCheap(rest($0)) }
        if let sampled = candidates.max(by: { effects($0) < effects($1) }) {
            let integrated = groups.filter { $0 != sampled }
            return integrated.count == 1
                ? .marginalizeOne(group: integrated[0], effects: .partial)
                : .marginalizeSubset(groups: integrated, effects: .partial)
        }
        // Most observations per random effect; ties go to the engine's order.
        var best = blocks[0]
        for block in blocks.dropFirst() where block.effectCount < best.effectCount { best = block }
        return .marginalizeOne(group: best.group, effects: .partial)
    }
}

extension SamplingStrategy {
    /// The strategy `--marginalize auto` picks for a generalized model: every effect sampled,
    /// the scalar terms partially centred at the model's Laplace fit (``marginalizeNone(_:)``
    /// with ``RandomEffectParameterization/partial``; vector terms non-centred). Measured with 4
    /// chains × (1,000 + 1,000) on one machine, min bulk-ESS per second: cbpp's one term 21,600
    /// partial against 1,344 with it integrated out by quadrature and 2,426 non-centred;
    /// VerbAgg's two crossed terms 136 partial against 46 non-centred (and 0.33 by quadrature,
    /// an earlier build). Quadrature costs K likelihood evaluations per row, and its integrals
    /// move with every sampled offset; the partial form costs one, and standardizes each level
    /// by its information.
    public static func automatic(for model: GeneralizedLinearMixedModel) -> SamplingStrategy {
        .marginalizeNone(.partial)
    }
}
