/// Recovery of the marginalized random effects: for a point x (a posterior draw of the globals
/// and of the sampled effects), the exact Gaussian conditional of class i's effects,
///
///     b_ij | y, x ~ N(F_j⁻¹ Z_ijᵀ r_j / σ², F_j⁻¹),   F_j = Σ_i⁻¹ + Z_ijᵀZ_ij / σ²,
///
/// independently over the levels j. In terms of the per-level factor M_j = σ²I + TᵀG_jT = L_j L_jᵀ
/// the density already forms, F_j⁻¹ = σ² T M_j⁻¹ Tᵀ and the mean is v_j = T M_j⁻¹ Tᵀ h_j, so a draw
/// is b_ij = v_j + σ T L_j⁻ᵀ ε with ε ~ N(0, I_S).
extension OneClassMarginalizedDensity {
    /// Factors the levels at x and hands the workspace and σ to `body`; false when x has the
    /// wrong length or the density cannot be evaluated there.
    private mutating func withConditional(at x: [Double], _ body: (UnsafeMutablePointer<Double>, Double) -> Void) -> Bool {
        guard x.count == dimension else { return false }
        parameterization.decode(x, into: &globals)
        let sigma = globals.sigma
        guard sigma > 0, sigma.isFinite else { return false }
        var storage: [Double] = []
        swap(&storage, &self.storage)
        defer { swap(&storage, &self.storage) }
        return storage.withUnsafeMutableBufferPointer { w in
            x.withUnsafeBufferPointer { xp in
                guard prepare(x: xp.baseAddress!, work: w.baseAddress!, adjoints: false) != nil else { return false }
                body(w.baseAddress!, sigma)
                return true
            }
        }
    }

    /// The exact conditional p(b_i | y, x) of the marginalized block's effects, per level j (in
    /// the block's level order): means (ℓ × S, the S values of a level together) and covariances
    /// (ℓ × S², column-major S × S per level). Nil when x has the wrong length or the density
    /// cannot be evaluated there.
    public mutating func classConditional(at x: [Double]) -> (mean: [Double], covariance: [Double])? {
        let s = statistics.dimension
        let levels = statistics.levelCount
        let work = self.work
        var mean = [Double](repeating: 0, count: levels * s)
        var covariance = [Double](repeating: 0, count: levels * s * s)
        let ok = withConditional(at: x) { w, sigma in
            let t = w + work.classFactor
            let scratch = w + work.product
            for level in 0..<levels {
                let l = w + work.choleskyFactors + level * s * s
                for a in 0..<s { mean[level * s + a] = w[work.means + level * s + a] }
                // A = L⁻¹Tᵀ column by column (column b of Tᵀ is row b of T); covariance = σ² AᵀA.
                for b in 0..<s {
                    for a in 0..<s { scratch[a + b * s] = b >= a ? t[b + a * s] : 0 }
                    SmallMatrix.solveLower(l, scratch + b * s, size: s)
                }
                for b in 0..<s {
                    for a in 0..<s {
                        var sum = 0.0
                        for k in 0..<s { sum += scratch[k + a * s] * scratch[k + b * s] }
                        covariance[level * s * s + a + b * s] = sigma * sigma * sum
                    }
                }
            }
        }
        return ok ? (mean, covariance) : nil
    }

    /// A draw of every block's random effects b given x into `effects` (the order of
    /// ``randomEffectNames``, block k from ``randomEffectOffsets``[k]): the sampled blocks'
    /// b_k (T_k z_k when non-centered), and class i's from its exact conditional (``classConditional(at:)``), using
    /// `random` (S standard normal draws per level of class i, level by level). Allocates
    /// nothing. False (effects unchanged) when x or `effects` has the wrong length or the
    /// density cannot be evaluated at x.
    @discardableResult
    public mutating func drawRandomEffects(at x: [Double], using random: inout RandomSource, into effects: inout [Double]) -> Bool {
        recoverRandomEffects(at: x, random: &random, draw: true, into: &effects)
    }

    /// The conditional mean E[b | y, x] into `effects`: for class i the mean of
    /// ``classConditional(at:)``, for the sampled blocks their b_k at x.
    @discardableResult
    public mutating func conditionalMeanRandomEffects(at x: [Double], into effects: inout [Double]) -> Bool {
        var unused = RandomSource(seed: 0)
        return recoverRandomEffects(at: x, random: &unused, draw: false, into: &effects)
    }

    /// A draw of every block's random effects (see ``drawRandomEffects(at:using:into:)``); nil
    /// when x has the wrong length or the density cannot be evaluated there.
    public mutating func drawRandomEffects(at x: [Double], using random: inout RandomSource) -> [Double]? {
        var effects = [Double](repeating: 0, count: randomEffectNames.count)
        return drawRandomEffects(at: x, using: &random, into: &effects) ? effects : nil
    }

    private mutating func recoverRandomEffects(at x: [Double], random: inout RandomSource, draw: Bool, into effects: inout [Double]) -> Bool {
        guard effects.count == randomEffectNames.count else { return false }
        let s = statistics.dimension
        let levels = statistics.levelCount
        let work = self.work
        let sampled = self.effects
        let offsets = randomEffectOffsets
        let classOffset = offsets[marginalizedBlock]
        return withConditional(at: x) { w, sigma in
            let t = w + work.classFactor
            let epsilon = w + work.vectorC
            let scaled = w + work.vectorW
            effects.withUnsafeMutableBufferPointer { out in
                for level in 0..<levels {
                    let target = out.baseAddress! + classOffset + level * s
                    let mean = w + work.means + level * s
                    guard draw else {
                        target.update(from: mean, count: s)
                        continue
                    }
                    let l = w + work.choleskyFactors + level * s * s
                    for a in 0..<s { epsilon[a] = random.normal() }
                    SmallMatrix.solveLowerTransposed(l, epsilon, size: s)
                    SmallMatrix.lowerTimes(t, epsilon, into: scaled, size: s)
                    for a in 0..<s { target[a] = mean[a] + sigma * scaled[a] }
                }
                // The sampled blocks' b_k were made in the workspace by the row path (with the
                // sufficient-statistic path there are no sampled blocks).
                for (m, entry) in sampled.entries.enumerated() {
                    (out.baseAddress! + offsets[entry.block]).update(from: w + work.effects[m], count: entry.count)
                }
            }
        }
    }
}
