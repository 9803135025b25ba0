/// What can go wrong building, reading or fitting an ALADYN model, in plain words.
public enum AladynError: Error, Equatable, CustomStringConvertible {
    case invalidDimension(name: String, value: Int)
    case sizeMismatch(what: String, expected: Int, found: Int)
    case invalidValue(what: String, value: String, requirement: String)
    case kernelNotPositiveDefinite(lengthScale: Double)
    case malformedRow(file: String, line: Int, reason: String)
    case missingColumn(file: String, name: String, available: [String])
    case unknownColumn(file: String, name: String)
    case unreadable(file: String, reason: String)
    /// Newton's method found no mode of an individual's trajectory posterior with a positive
    /// definite Hessian (the marginal method's Laplace approximation).
    case laplaceFailed(individual: Int, reason: String)

    public var description: String {
        switch self {
        case .invalidDimension(let name, let value):
            return "the number of \(name) must be positive (got \(value))"
        case .sizeMismatch(let what, let expected, let found):
            return "\(what) has \(found) values where \(expected) are needed"
        case .invalidValue(let what, let value, let requirement):
            return "\(what) is \(value); it must be \(requirement)"
        case .kernelNotPositiveDefinite(let lengthScale):
            return "the squared-exponential kernel with length scale \(lengthScale) is not positive definite"
        case .malformedRow(let file, let line, let reason):
            return "\(file), line \(line): \(reason)"
        case .missingColumn(let file, let name, let available):
            return "\(file) has no column \"\(name)\" (it has: \(available.joined(separator: ", ")))"
        case .unknownColumn(let file, let name):
            return "\(file) has a column \"\(name)\" that ALADYN data does not use"
        case .unreadable(let file, let reason):
            return "cannot read \(file): \(reason)"
        case .laplaceFailed(let individual, let reason):
            return "the Laplace approximation failed for individual \(individual + 1): no mode of its trajectories' posterior was found (\(reason); kappa or phi may be extreme)"
        }
    }
}
