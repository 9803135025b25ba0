/// Why a one-class marginalized or a joint density of a linear mixed model cannot be made.
public enum MixedModelDensityError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The grouping factor to integrate out is not one of the model's; `available` lists the
    /// model's grouping factors and `suggestion` the closest name, if any is close.
    case unknownGroup(String, available: [String], suggestion: String?)
    /// The parameterization given was made from a different model.
    case parameterizationMismatch(reason: String)
    /// Centered effects were asked for with a grouping factor integrated out, where the other
    /// factors' effects are sampled non-centered or partially non-centered.
    case centeredWithClassIntegratedOut
    /// The model has prior weights or an offset, which only the fully integrated density takes.
    case weightsOrOffset
    /// Several grouping factors integrated out need at least one other factor to sample; with
    /// all of them, `--marginalize all` is the route.
    case subsetNeedsBothKinds(groups: [String])
    /// The model over the grouping factors integrated out cannot be formed (the engine's reason).
    case subsetModel(String)

    public var description: String {
        switch self {
        case .unknownGroup(let name, let available, let suggestion):
            var message = "the model has no grouping factor '\(name)' to integrate out"
            if let suggestion { message += "; did you mean '\(suggestion)'?" }
            message += " Its grouping factors are: " + available.map { "'\($0)'" }.joined(separator: ", ")
            return message
        case .parameterizationMismatch(let reason):
            return "the parameterization was made from a different model: \(reason)"
        case .centeredWithClassIntegratedOut:
            return "with a grouping factor integrated out, the other factors' effects are sampled noncentered or partial, not centered"
        case .subsetNeedsBothKinds(let groups):
            return "integrating some grouping factors out needs others to sample: of " + groups.map { "'\($0)'" }.joined(separator: ", ")
                + ", name the ones to integrate out (all of them is --marginalize all)"
        case .subsetModel(let reason):
            return "the model over the grouping factors integrated out cannot be formed: \(reason)"
        case .weightsOrOffset:
            return "prior weights and offsets are supported by the ML/REML fit, EM and sampling with every random effect integrated out (--marginalize all); this density does not take them yet"
        }
    }

    /// Checks that `parameterization` describes `model`: the same fixed-effect columns and the
    /// same grouping factors with the same numbers of columns, in the engine's order.
    static func check(_ parameterization: MixedModelParameterization, against model: LinearMixedModel) throws(MixedModelDensityError) {
        if let reason = parameterization.mismatch(with: model) { throw .parameterizationMismatch(reason: reason) }
        if model.design.weights != nil || model.design.offset != nil { throw .weightsOrOffset }
    }
}
