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
    /// Nothing integrated out: every random effect sampled (``JointMixedModelDensity``).
    case marginalizeNone(RandomEffectParameterization)
    /// Random-effect covariances known (e.g. SDs fixed by group); all effects integrated out
    /// through a one-time eigendecomposition, so only β and σ are sampled
    /// (``KnownCovarianceDensity``).
    case knownCovariance(KnownCovarianceSpecification)

    public var description: String {
        switch self {
        case .marginalizeAll: return "all random effects integrated out"
        case .marginalizeOne(let group, let effects):
            return "random effects of '\(group)' integrated out, the others sampled (\(effects.rawValue))"
        case .marginalizeNone(let parameterization): return "every random effect sampled (\(parameterization.rawValue))"
        case .knownCovariance(let specification):
            let list = specification.entries.map { entry in
                switch entry.covariance {
                case .standardDeviation(let sd): return "\(entry.group)=\(Prior.format(sd))"
                case .factor: return "\(entry.group): covariance factor"
                }
            }.joined(separator: ", ")
            return "random-effect covariances fixed (\(list)), all random effects integrated out"
        }
    }
}
