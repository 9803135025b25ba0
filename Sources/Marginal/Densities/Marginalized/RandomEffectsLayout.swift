/// Where each random effect b sits in the vectors that recovery fills
/// (``MarginalizedMixedModelDensity/drawRandomEffects(at:using:into:)``): grouping factor after
/// grouping factor in the fitting engine's order (most levels first), within a factor level after
/// level in the order of ``Group/levels``, and within a level the factor's columns.
///
/// Element `offset + level·S + column` of a draw is the effect of `columnNames[column]` for
/// `levels[level]` of that group.
public struct RandomEffectsLayout: Sendable, Equatable {
    public struct Group: Sendable, Equatable {
        /// The grouping factor, e.g. `Subject` or `cask:batch`.
        public let group: String
        /// Level labels, in the order of the effects.
        public let levels: [String]
        /// The S columns of all terms on this factor, e.g. `(Intercept)`, `Days`.
        public let columnNames: [String]
        /// Index of the group's first effect.
        public let offset: Int

        /// ℓ·S, the number of effects of the group.
        public var count: Int { levels.count * columnNames.count }
    }

    public let groups: [Group]
    /// Total number of random effects.
    public let count: Int

    init(blocks: [RandomEffectBlock]) {
        var offset = 0
        var groups: [Group] = []
        for block in blocks {
            let names = block.parts.flatMap(\.term.columnNames)
            groups.append(Group(group: block.group, levels: block.levels, columnNames: names, offset: offset))
            offset += block.levelCount * block.dimension
        }
        self.groups = groups
        count = offset
    }

    /// The index of one effect, or nil if the group, level or column does not exist.
    public func index(group: String, level: String, column: String) -> Int? {
        guard let g = groups.first(where: { $0.group == group }),
              let l = g.levels.firstIndex(of: level),
              let c = g.columnNames.firstIndex(of: column)
        else { return nil }
        return g.offset + l * g.columnNames.count + c
    }

    /// One name per effect, in order: `r[Subject][308,(Intercept)]` (brms writes
    /// `r_Subject[308,Intercept]`).
    public var names: [String] {
        groups.flatMap { g in
            g.levels.flatMap { level in g.columnNames.map { "r[\(g.group)][\(level),\($0)]" } }
        }
    }
}
