/// Why a ``MarginalizedMixedModelDensity`` cannot be built.
public enum MarginalizedDensityError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The parameterization was made for a different model (other fixed effects or grouping factors).
    case parameterizationMismatch(reason: String)

    public var description: String {
        switch self {
        case .parameterizationMismatch(let reason):
            return "the parameterization does not belong to this model (\(reason)); make it with MixedModelParameterization(model:) from the same model"
        }
    }
}
