/// Why a prior specification cannot be used.
public enum PriorError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text is not `DISTRIBUTION(arguments)`.
    case malformed(String, reason: String)
    case unknownDistribution(String, suggestion: String?)
    /// `--prior` without `=`.
    case missingEquals(String)
    /// The parameter name is not one of the model's.
    case unknownParameter(String, suggestion: String?)
    /// A distribution whose support does not match the parameter (e.g. `normal` for `sigma`).
    case unsuitable(parameter: String, prior: Prior, reason: String)

    public var description: String {
        switch self {
        case .malformed(let text, let reason):
            return "cannot read the prior '\(text)': \(reason); write one of \(Prior.spellings.joined(separator: ", "))"
        case .unknownDistribution(let name, let suggestion):
            let hint = suggestion.map { " (did you mean '\($0)'?)" } ?? ""
            return "unknown distribution '\(name)'\(hint); write one of \(Prior.spellings.joined(separator: ", "))"
        case .missingEquals(let text):
            return "a prior is written NAME=DISTRIBUTION, e.g. 'sigma=half-normal(10)'; got '\(text)'"
        case .unknownParameter(let name, let suggestion):
            let hint = suggestion.map { " (did you mean '\($0)'?)" } ?? ""
            return "the model has no parameter '\(name)'\(hint)"
        case .unsuitable(let parameter, let prior, let reason):
            return "'\(prior)' cannot be the prior of \(parameter): \(reason)"
        }
    }
}
