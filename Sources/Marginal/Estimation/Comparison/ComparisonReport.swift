import Foundation

/// The machine-readable and text forms of a ``MethodComparison`` (`marginal compare`).
///
/// JSON: `{formula, nobs, warnings, methods: [{method, description, fixef, sigma, varcomp, objective,
/// objectiveName, seconds, warnings, notes, gradientFlow}]}` (the top-level `warnings` are about
/// the model and apply to every method) with `fixef` and `varcomp` shaped as in
/// `marginal fit --json` (``FitReport``): `fixef` = `[{name, estimate, stdError, tValue}]` and
/// `varcomp` = `[{group, names, sd, corr}]`. `stdError` is the ML/REML standard error, q's SD (VI)
/// or the posterior SD (NUTS), and null for joint MAP; `sigma` and `objective` are null when a
/// method failed or has no objective (NUTS).
public struct ComparisonReport: Codable, Sendable {
    public struct FixedEffect: Codable, Sendable {
        public var name: String
        public var estimate: Double
        public var stdError: Double?
        public var tValue: Double?

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(estimate, forKey: .estimate)
            try container.encode(stdError, forKey: .stdError)
            try container.encode(tValue, forKey: .tValue)
        }
    }

    public struct Method: Codable, Sendable {
        public var method: String
        public var description: String
        public var fixef: [FixedEffect]
        public var sigma: Double?
        public var varcomp: [FitReport.VarianceComponent]
        public var objective: Double?
        public var objectiveName: String
        public var seconds: Double
        public var warnings: [String]
        public var notes: [String]
        /// Joint MAP only: the gradient flow by block (null otherwise).
        public var gradientFlow: GradientFlow?

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(method, forKey: .method)
            try container.encode(description, forKey: .description)
            try container.encode(fixef, forKey: .fixef)
            try container.encode(sigma, forKey: .sigma)
            try container.encode(varcomp, forKey: .varcomp)
            try container.encode(objective, forKey: .objective)
            try container.encode(objectiveName, forKey: .objectiveName)
            try container.encode(seconds, forKey: .seconds)
            try container.encode(warnings, forKey: .warnings)
            try container.encode(notes, forKey: .notes)
            try container.encode(gradientFlow, forKey: .gradientFlow)
        }
    }

    public var formula: String
    public var nobs: Int
    /// Warnings about the model (``MethodComparison/warnings``).
    public var warnings: [String]
    public var methods: [Method]

    public init(_ comparison: MethodComparison) {
        formula = comparison.formula
        nobs = comparison.observations
        warnings = comparison.warnings
        methods = comparison.results.map { result in
            let estimates = result.estimates
            let fixef: [FixedEffect] = estimates.map { e in
                e.beta.indices.map { j -> FixedEffect in
                    let se = e.betaStandardErrors?[j]
                    return FixedEffect(name: e.fixedEffectNames[j], estimate: e.beta[j], stdError: se, tValue: se.map { e.beta[j] / $0 })
                }
            } ?? []
            let varcomp = estimates?.varianceComponents.map(FitReport.VarianceComponent.init) ?? []
            return Method(
                method: result.method.rawValue, description: result.method.summary, fixef: fixef, sigma: estimates?.sigma,
                varcomp: varcomp, objective: result.objective, objectiveName: result.method.objectiveName,
                seconds: result.seconds, warnings: result.warnings, notes: result.notes, gradientFlow: result.gradientFlow)
        }
    }

    /// Pretty-printed JSON with sorted keys; non-finite numbers as strings.
    public func json() throws -> String {
        try JSONOutput.encode(self)
    }

    /// One column per method, one row per parameter (`b[…]`, `sigma`, `sd[g][…]`,
    /// `cor[g][a,b]`), then the objective and the time; above, the model's warnings; below, each
    /// method's description, notes and warnings.
    public var text: String {
        var rows: [(name: String, values: [String])] = []
        var order: [String] = []
        var cells: [String: [String: String]] = [:]
        func put(_ name: String, _ method: String, _ value: Double?) {
            if cells[name] == nil {
                order.append(name)
                cells[name] = [:]
            }
            cells[name]?[method] = value.map(Self.format) ?? "-"
        }
        for method in methods {
            let named = ParameterNames.rows(fixed: method.fixef.map { ($0.name, $0.estimate) }, sigma: method.sigma, components: method.varcomp)
            for row in named { put(row.name, method.method, row.value) }
        }
        for name in order { rows.append((name, methods.map { cells[name]?[$0.method] ?? "-" })) }
        rows.append(("objective", methods.map { $0.objective.map(Self.format) ?? "-" }))
        rows.append(("seconds", methods.map { String(format: "%.3g", $0.seconds) }))
        let table = TextTable(header: [""] + methods.map(\.method), rows: rows.map { [$0.name] + $0.values })
        var lines = ["Comparison of estimation methods", "Formula: \(formula)", "Observations: \(nobs)"]
        lines += warnings.map { "warning: \($0)" }
        lines += ["", table.render(), ""]
        lines.append("Methods (objective):")
        for method in methods {
            lines.append("  \(method.method): \(method.description) (\(method.objectiveName))")
            for note in method.notes { lines.append("    note: \(note)") }
            for warning in method.warnings { lines.append("    warning: \(warning)") }
        }
        return lines.joined(separator: "\n")
    }

    /// Six significant digits.
    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        return String(format: "%.6g", value)
    }
}
