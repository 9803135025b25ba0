/// The buffers one evaluation of ``MarginalizedMixedModelDensity`` works in, allocated once with
/// the density. A sampler's chains each hold a copy of the density, and copy-on-write gives
/// every copy its own buffers at its first evaluation; after that nothing is allocated.
struct MarginalizedWorkspace: Sendable {
    /// θ = T/σ at the free positions of each block's λ.
    var theta: [Double]
    /// The θ the factor was last computed for, and whether that succeeded.
    var factoredTheta: [Double]
    var factorIsCurrent = false
    /// ũ(β) (or a draw of u): the first block's ℓ₁S₁ effects, then the trailing random rows.
    var effects: [Double]
    /// Standard normal deviates for a recovery draw, laid out as `effects`.
    var noise: [Double]
    /// r × r (r trailing random rows): the lower triangle of L_TT,u⁻¹ when `inverseIsCurrent`
    /// (made with the factor), else of S_T⁻¹ after a gradient.
    var trailingInverse: [Double]
    var inverseIsCurrent = false
    /// Per block, Sₖ × Sₖ: Σⱼ (M⁻¹)ⱼⱼ, then Wₖ (see ``MarginalizedMixedModelDensity``).
    var sums: [[Double]]
    /// Per block, Sₖ × Sₖ: Σⱼ ũₖⱼũₖⱼᵀ.
    var moments: [[Double]]
    /// L_Xᵀβ̃ − l_y,X (p values).
    var delta: [Double]
    /// β̃, β in the engine's coordinates (``FixedEffectsBasis``).
    var beta: [Double]
    /// The single-factor path (``LevelClasses``): λ (S₁ × S₁), v = [−β; 1], the class sums and
    /// the d × d trailing factor.
    var lambda: [Double]
    var fixedWeights: [Double]
    var classTerms: LevelClassTerms
    var trailingFactor: [Double]
    /// Scratch for the first block's quadratic forms and small solves.
    var scratch: [Double]

    init(factor: PenalizedLeastSquares, classes: LevelClasses?) {
        let r = factor.products.denseRandomRows
        theta = Array(repeating: 0, count: factor.thetaLayout.count)
        factoredTheta = Array(repeating: .nan, count: factor.thetaLayout.count)
        effects = Array(repeating: 0, count: factor.randomEffectCount)
        noise = Array(repeating: 0, count: factor.randomEffectCount)
        trailingInverse = Array(repeating: 0, count: r * r)
        sums = factor.factors.map { Array(repeating: 0, count: $0.dimension * $0.dimension) }
        moments = sums
        delta = Array(repeating: 0, count: factor.products.p)
        beta = delta
        let s1 = factor.products.first.dimension
        let d = factor.products.denseSize
        lambda = Array(repeating: 0, count: s1 * s1)
        fixedWeights = Array(repeating: 0, count: d)
        if let classes {
            classTerms = LevelClassTerms(classes: classes)
            trailingFactor = Array(repeating: 0, count: d * d)
            scratch = Array(repeating: 0, count: max(classes.scratchCount, classes.effectsScratchCount))
        } else {
            classTerms = LevelClassTerms(dimension: 0, packedCount: 0)
            trailingFactor = []
            scratch = Array(repeating: 0, count: factor.covarianceSumsScratchCount)
        }
    }
}
