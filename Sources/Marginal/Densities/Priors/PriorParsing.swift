import Foundation

/// Parsing of the prior spellings users write on the command line: `normal(0, 2.5)`,
/// `half-normal(1)`, `student-t(3, 0, 2.5)`, `half-student-t(3, 2.5)`, `exponential(1)`,
/// `lkj(2)`, `flat`. Underscores may replace hyphens (`half_normal`), and case is ignored.
extension Prior {
    /// The distributions and their parameters, as listed in `--help` and in error messages.
    public static let spellings = [
        "normal(mean, sd)", "half-normal(sd)", "student-t(df, mean, scale)",
        "half-student-t(df, scale)", "exponential(rate)", "lkj(eta)", "flat",
    ]

    /// A `NAME=DISTRIBUTION` setting (`--prior`) read into its parameter name and prior.
    static func setting(_ text: String) throws(PriorError) -> (name: String, prior: Prior) {
        guard let equals = text.firstIndex(of: "=") else { throw .missingEquals(text) }
        let name = text[..<equals].trimmingCharacters(in: .whitespaces)
        return (name, try Prior(parsing: String(text[text.index(after: equals)...])))
    }

    public init(parsing text: String) throws(PriorError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let name: String
        var arguments: [Double] = []
        if let open = trimmed.firstIndex(of: "(") {
            guard trimmed.hasSuffix(")") else { throw .malformed(text, reason: "a ')' must close the arguments") }
            name = String(trimmed[..<open]).trimmingCharacters(in: .whitespaces)
            let inner = trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]
            for piece in inner.split(separator: ",", omittingEmptySubsequences: false) {
                let token = piece.trimmingCharacters(in: .whitespaces)
                guard let value = Double(token), value.isFinite else {
                    throw .malformed(text, reason: "'\(token)' is not a finite number")
                }
                arguments.append(value)
            }
        } else {
            name = trimmed
        }
        let key = name.lowercased().replacingOccurrences(of: "_", with: "-")
        func expect(_ count: Int, _ signature: String) throws(PriorError) {
            guard arguments.count == count else {
                throw .malformed(text, reason: "\(signature) takes \(count) argument\(count == 1 ? "" : "s"), not \(arguments.count)")
            }
        }
        func positive(_ value: Double, _ what: String) throws(PriorError) {
            guard value > 0 else { throw .malformed(text, reason: "\(what) must be positive") }
        }
        switch key {
        case "normal":
            try expect(2, "normal(mean, sd)")
            try positive(arguments[1], "the sd")
            self = .normal(mean: arguments[0], sd: arguments[1])
        case "half-normal", "halfnormal":
            try expect(1, "half-normal(sd)")
            try positive(arguments[0], "the sd")
            self = .halfNormal(sd: arguments[0])
        case "student-t", "studentt", "student":
            try expect(3, "student-t(df, mean, scale)")
            try positive(arguments[0], "the degrees of freedom")
            try positive(arguments[2], "the scale")
            self = .studentT(df: arguments[0], mean: arguments[1], scale: arguments[2])
        case "half-student-t", "halfstudentt", "half-t":
            try expect(2, "half-student-t(df, scale)")
            try positive(arguments[0], "the degrees of freedom")
            try positive(arguments[1], "the scale")
            self = .halfStudentT(df: arguments[0], scale: arguments[1])
        case "exponential":
            try expect(1, "exponential(rate)")
            try positive(arguments[0], "the rate")
            self = .exponential(rate: arguments[0])
        case "lkj":
            try expect(1, "lkj(eta)")
            try positive(arguments[0], "eta")
            self = .lkj(eta: arguments[0])
        case "flat":
            try expect(0, "flat")
            self = .flat
        default:
            throw .unknownDistribution(name, suggestion: closestName(to: key, among: Self.spellings.map { String($0.prefix { $0 != "(" }) }))
        }
    }
}
