import Foundation

extension GeneralizedMixedDensity {
    /// One draw of every random effect given x, in ``RandomEffectsLayout``'s order: the sampled
    /// terms' b = Tz as they are, and each level of the integrated term exactly from its
    /// conditional given x (its offsets including the sampled effects), bⱼ = τuⱼ by rejection:
    /// f″ ≤ −1 everywhere (ℓ″ ≤ 0 for a canonical link, and the N(0, 1) prior's −1), so
    /// f(u) ≤ f(û) − (u − û)²/2, and a proposal u ~ N(û, 1) accepted with probability
    /// exp(f(u) − f(û) + (u − û)²/2) is a draw from p(uⱼ | y, x) ∝ e^{f(u)} (von Neumann 1951;
    /// the acceptance rate is about c^{−½}). False when a level's mode or 10,000 proposals fail.
    mutating func drawEffects(at x: [Double], using random: inout RandomSource, into effects: inout [Double]) -> Bool {
        guard setOffsets(x) else { return false }
        sampled.copyEffects(into: &effects)
        guard let block = integrated, var integral else { return true }
        // Moved out and back, so that its modes are not copied on write.
        self.integral = nil
        defer { self.integral = integral }
        let tau = globals.factors[block][0]
        var start = 0
        for k in 0..<block { start += model.blocks[k].effectCount }
        let levels = self.levels, offsets = self.offsets, rows = levels.rows
        for level in 0..<integral.modes.count {
            let range = rows.start[level]..<rows.start[level + 1]
            guard let mode = levels.mode(range, offsets: offsets, tau: tau, start: integral.modes[level]) else { return false }
            integral.modes[level] = mode
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
            effects[start + level] = tau * u
        }
        return true
    }
}
