/// Where the sampled random effects of some engine blocks sit in a density's unconstrained x:
/// after the global coordinates of ``MixedModelParameterization``, block after block (in the
/// engine's order), and within a block level after level, the S values of one level contiguous:
///
///     x = [globals…, block k₁: level 1 (S values), level 2, …, block k₂: …]
///
/// The values are the effects b themselves (centered) or their standardized form z with b = T z
/// (non-centered), as the density says.
struct SampledEffectsLayout: Sendable {
    struct Entry: Sendable {
        /// Index of the engine block.
        let block: Int
        /// First coordinate of the block's effects in x.
        let offset: Int
        let dimension: Int
        let levelCount: Int
        var count: Int { dimension * levelCount }
    }

    let entries: [Entry]
    /// First coordinate after the globals, and total number of sampled values.
    let start: Int
    let count: Int

    init(rows: MixedModelRows, blocks: [Int], start: Int) {
        var offset = start
        var entries: [Entry] = []
        for k in blocks {
            let block = rows.blocks[k]
            entries.append(Entry(block: k, offset: offset, dimension: block.dimension, levelCount: block.levelCount))
            offset += block.dimension * block.levelCount
        }
        self.entries = entries
        self.start = start
        count = offset - start
    }

    /// Names of the sampled values in x order, `symbol[group][level,column]`, e.g.
    /// `z[Subject][308,Days]` (the spelling of the reported effects, `r[Subject][308,Days]`,
    /// after brms's `r_Subject[308,Days]`).
    func names(symbol: String, model: LinearMixedModel) -> [String] {
        entries.flatMap { Self.names(symbol: symbol, block: model.blocks[$0.block]) }
    }

    /// `symbol[group][level,column]` for every level and column of one block, level-major.
    static func names(symbol: String, block: RandomEffectBlock) -> [String] {
        let columns = block.parts.flatMap(\.term.columnNames)
        return block.levels.flatMap { level in columns.map { "\(symbol)[\(block.group)][\(level),\($0)]" } }
    }
}
