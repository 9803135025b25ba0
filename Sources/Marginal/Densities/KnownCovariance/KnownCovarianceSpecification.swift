import Foundation

/// The covariance of one grouping factor's random effects when the user fixes it.
public enum KnownCovariance: Sendable, Equatable {
    /// Every effect of every level has this standard deviation, and the S effects of a level are
    /// independent: Σ = sd² I_S. For a scalar term `(1 | g)` this is the usual fixed SD.
    case standardDeviation(Double)
    /// Σ = T Tᵀ for the S effects of one level, with T an S × S factor (any square matrix; lower
    /// triangular is usual), in the order of the group's columns: the way to fix a vector term.
    case factor(Matrix)
}

/// Which random-effect covariances are known: one ``KnownCovariance`` per grouping factor,
/// named as the model names them (`Subject`, `cask:batch`).
///
/// The text form, as `marginal sample --fix-sd` takes it, is `GROUP=SD` pairs separated by
/// commas: `s=1,d=1,dept=1`. A group with several columns, e.g. `(1 + Days | Subject)`, given
/// one SD gets that SD for every column and no correlation.
public struct KnownCovarianceSpecification: Sendable, Equatable {
    /// One group's known covariance.
    public struct Entry: Sendable, Equatable {
        public var group: String
        public var covariance: KnownCovariance

        public init(group: String, covariance: KnownCovariance) {
            self.group = group
            self.covariance = covariance
        }
    }

    /// The groups in the order given.
    public var entries: [Entry]

    public init(_ entries: [Entry]) {
        self.entries = entries
    }

    /// Every listed group with its SD, in the order given.
    public init(standardDeviations: KeyValuePairs<String, Double>) {
        entries = standardDeviations.map { Entry(group: $0.key, covariance: .standardDeviation($0.value)) }
    }

    /// Reads `GROUP=SD,GROUP=SD,…`. Spaces around names and numbers are ignored; the SD must be
    /// a positive finite number and each group appear once (the names are checked against a
    /// model later, by ``KnownCovarianceDensity``).
    public init(parsing text: String) throws(KnownCovarianceError) {
        var entries: [Entry] = []
        for piece in text.split(separator: ",", omittingEmptySubsequences: false) {
            let setting = piece.trimmingCharacters(in: .whitespaces)
            guard let equals = setting.firstIndex(of: "=") else {
                throw .malformed(text, reason: setting.isEmpty ? "an entry is empty" : "'\(setting)' has no '='")
            }
            let group = setting[..<equals].trimmingCharacters(in: .whitespaces)
            let valueText = setting[setting.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard !group.isEmpty else { throw .malformed(text, reason: "'\(setting)' has no group name before '='") }
            guard let value = Double(valueText) else { throw .malformed(text, reason: "'\(valueText)' is not a number") }
            guard value.isFinite, value > 0 else { throw .nonPositiveStandardDeviation(group: group, value: value) }
            guard !entries.contains(where: { $0.group == group }) else { throw .repeatedGroup(group) }
            entries.append(Entry(group: group, covariance: .standardDeviation(value)))
        }
        self.entries = entries
    }

    /// The covariance factor T (S × S, column-major) of each block, in the blocks' order, after
    /// checking that every group is known, given once, and has a valid SD or factor.
    func factors(for blocks: [RandomEffectBlock]) throws(KnownCovarianceError) -> [[Double]] {
        let groups = blocks.map(\.group)
        var seen: Set<String> = []
        for entry in entries {
            guard groups.contains(entry.group) else {
                throw .unknownGroup(entry.group, suggestion: closestName(to: entry.group, among: groups), groups: groups)
            }
            guard seen.insert(entry.group).inserted else { throw .repeatedGroup(entry.group) }
        }
        let missing = groups.filter { !seen.contains($0) }
        guard missing.isEmpty else { throw .missingGroups(missing) }
        var result: [[Double]] = []
        for block in blocks {
            let s = block.dimension
            guard let covariance = entries.first(where: { $0.group == block.group })?.covariance else { throw .missingGroups([block.group]) }
            switch covariance {
            case .standardDeviation(let sd):
                guard sd.isFinite, sd > 0 else { throw .nonPositiveStandardDeviation(group: block.group, value: sd) }
                var t = [Double](repeating: 0, count: s * s)
                for a in 0..<s { t[a * (s + 1)] = sd }
                result.append(t)
            case .factor(let t):
                guard t.rows == s, t.columns == s else {
                    throw .factorDimension(group: block.group, expected: s, rows: t.rows, columns: t.columns)
                }
                guard t.elements.allSatisfy(\.isFinite) else { throw .nonFiniteFactor(group: block.group) }
                result.append(t.elements)
            }
        }
        return result
    }
}
