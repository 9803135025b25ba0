import Foundation

extension SubsetMarginalizedDensity {
    /// Whether every sampled effect is partially non-centered, so that a Laplace start applies
    /// (as ``OneClassMarginalizedDensity/standardizesSampledEffects``).
    public var standardizesSampledEffects: Bool {
        coordinates.allSatisfy { block in
            if case .partial = block.form { return true }
            return false
        }
    }

    /// Every random effect for the point x, in the whole model's ``RandomEffectsLayout`` order:
    /// the sampled blocks' b_S at x, and for the blocks of M an exact draw from their conditional
    /// given y − Z_S b_S and the globals (``MarginalizedMixedModelDensity``'s recovery by the
    /// factor over M). False where x cannot be evaluated.
    public mutating func drawRandomEffects(at x: [Double], using random: inout RandomSource, into effects: inout [Double]) -> Bool {
        guard x.count == dimension, x.allSatisfy(\.isFinite), effects.count == randomEffectsLayout.count else { return false }
        parameterization.decode(x, into: &globals)
        guard globals.sigma > 0, globals.sigma.isFinite else { return false }
        loadSampledEffects(x: x)
        for i in inner.workspace.noise.indices { inner.workspace.noise[i] = random.normal() }
        var marginalized = [Double](repeating: 0, count: inner.randomEffectsLayout.count)
        guard inner.recoverRandomEffects(noise: true, into: &marginalized) else { return false }
        for (k, full) in innerBlocks.enumerated() {
            let count = reducedBlocks[k].effectCount
            for i in 0..<count { effects[randomEffectsLayout.groups[full].offset + i] = marginalized[inner.randomEffectsLayout.groups[k].offset + i] }
        }
        for (m, entry) in self.effects.entries.enumerated() {
            for i in 0..<entry.count { effects[randomEffectsLayout.groups[entry.block].offset + i] = work.sampledEffects[m][i] }
        }
        return true
    }
}
