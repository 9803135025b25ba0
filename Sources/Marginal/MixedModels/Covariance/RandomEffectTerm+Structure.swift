extension RandomEffectTerm {
    /// The engine's covariance structure for the term: lme4's free elements of λ for an
    /// unstructured term and `diag`, and for the others the structure's correlation scaled by SDs.
    var covarianceStructure: any CovarianceStructure {
        let s = dimension
        let distances = { CoordinateDistances(coordinates: coordinates) }
        switch structure {
        case nil: return UnstructuredCovariance(dimension: s, correlated: correlated || s == 1)
        case .diag: return UnstructuredCovariance(dimension: s, correlated: false)
        case .cs: return ScaledCorrelationCovariance(correlation: CompoundSymmetryCorrelation(dimension: s))
        case .toep: return ScaledCorrelationCovariance(correlation: ToeplitzCorrelation(dimension: s))
        case .ar1: return ScaledCorrelationCovariance(correlation: AutoregressiveCorrelation(dimension: s))
        case .ou: return ScaledCorrelationCovariance(correlation: ExponentialCorrelation(distances: distances(), byRate: true))
        case .exp: return ScaledCorrelationCovariance(correlation: ExponentialCorrelation(distances: distances(), byRate: false))
        case .gau: return ScaledCorrelationCovariance(correlation: GaussianCorrelation(distances: distances()))
        case .mat: return ScaledCorrelationCovariance(correlation: MaternCorrelation(distances: distances()))
        }
    }
}
