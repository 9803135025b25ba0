/// Why a one-class marginalized density cannot be made.
public enum OneClassDensityError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The grouping factor to integrate out is not one of the model's; `available` lists the
    /// model's grouping factors and `suggestion` the closest name, if any is close.
    case unknownGroup(String, available: [String], suggestion: String?)

    public var description: String {
        switch self {
        case .unknownGroup(let name, let available, let suggestion):
            var message = "the model has no grouping factor '\(name)' to integrate out"
            if let suggestion { message += "; did you mean '\(suggestion)'?" }
            message += " Its grouping factors are: " + available.map { "'\($0)'" }.joined(separator: ", ")
            return message
        }
    }
}
