import Foundation

/// A generalized model's density with one scalar term, whose coordinates start [β, log τ].
protocol ScalarTermDensity: PointwiseRecovery {
    var model: GeneralizedLinearMixedModel { get }
    var p: Int { get }
}

extension ScalarTermDensity {
    /// `b[…]` for β, then the term's SD, `sd[g][z]`.
    var globalNames: [String] {
        let block = model.blocks[0]
        return model.design.fixedEffects.names.map { "b[\($0)]" } + ["sd[\(block.group)][\(block.parts[0].term.columnNames[0])]"]
    }

    func globalValues(_ x: [Double]) -> [Double] { Array(x[..<p]) + [Foundation.exp(x[p])] }
}

extension QuadratureMarginalizedDensity: ScalarTermDensity {
    /// One exact draw of every level's effect bⱼ = τuⱼ from its conditional given x, by rejection:
    /// f″ ≤ −1 everywhere (ℓ″ ≤ 0 for a canonical link, and the N(0, 1) prior's −1), so
    /// f(u) ≤ f(û) − (u − û)²/2, and a proposal u ~ N(û, 1) accepted with probability
    /// exp(f(u) − f(û) + (u − û)²/2) is a draw from p(uⱼ | y, x) ∝ e^{f(u)} (von Neumann 1951;
    /// the acceptance rate is about c^{−½}). False when a level's mode or 10,000 proposals fail.
    mutating func drawEffects(at x: [Double], using random: inout RandomSource, into effects: inout [Double]) -> Bool {
        let tau = Foundation.exp(x[p])
        guard tau.isFinite, tau > 0 else { return false }
        setOffsets(beta: Array(x[..<p]))
        let levels = self.levels, offsets = self.offsets, rows = levels.rows
        for level in 0..<modes.count {
            let range = rows.start[level]..<rows.start[level + 1]
            guard let mode = levels.mode(range, offsets: offsets, tau: tau, start: modes[level]) else { return false }
            modes[level] = mode
            let top = levels.value(range, offsets: offsets, tau: tau, mode)
            var accepted: Double?
            for _ in 0..<10_000 {
                let step = random.normal()
                let u = mode + step
                if Foundation.log(1 - random.uniform()) <= levels.value(range, offsets: offsets, tau: tau, u) - top + step * step / 2 {
                    accepted = u
                    break
                }
            }
            guard let u = accepted else { return false }
            effects[level] = tau * u
        }
        return true
    }
}
