import Foundation

/// The joint posterior density of a linear mixed model with every random effect sampled
/// (`--marginalize none`):
///
///     log p(x) = log N(y; Xβ + Σ_k Z_k b_k, σ²I) + Σ_k Σ_j log p(b_kj | Σ_k) + log prior + log |J|,
///
/// with b_kj ~ N(0, Σ_k), Σ_k = T_k T_kᵀ (T_k from ``MixedModelParameterization``). The
/// coordinates are x = [globals, then the effects of every engine block] (``SampledEffectsLayout``),
/// in the form ``RandomEffectParameterization`` says (``SampledBlockCoordinates``):
///
/// - ``RandomEffectParameterization/centered``: the coordinates are b, and
///   log p(b_kj | Σ_k) = −(S/2) log 2π − log |T_k| − ½ ‖T_k⁻¹ b_kj‖²;
/// - ``RandomEffectParameterization/nonCentered``: the coordinates are z with b_kj = T_k z_kj, and
///   the term is log N(z_kj; 0, I);
/// - ``RandomEffectParameterization/partial``: one-column blocks as ε with b_l = m_l + s_l ε_l
///   (``PartialCentering``, nothing projected out), the others non-centered.
///
/// They are the same distribution under a change of variables: the non-centered density equals
/// the centered one at b = T z plus Σ_k ℓ_k log |T_k|, the partial one the centered one at
/// b = m + s ε plus Σ_l log s_l.
///
/// Each evaluation costs O(N·(p + Σ S_k) + Σ_k ℓ_k S_k²): one pass for the residual, one for
/// the adjoints. The gradient is analytic; nothing is allocated once the value exists.
public struct JointMixedModelDensity: LogDensity {
    /// The layout of the global coordinates, their names and the priors.
    public let parameterization: MixedModelParameterization
    /// Whether the effects' coordinates are b (centered), z with b = T z (non-centered) or ε
    /// (partial).
    public let effectParameterization: RandomEffectParameterization
    public let dimension: Int
    /// Names of all coordinates of x: the layout's, then per block `r[group][level,column]`
    /// (centered: the effects themselves), `z[…]` (non-centered) or `e[…]` (partial).
    public let parameterNames: [String]
    /// Names of the reported random effects b, `r[group][level,column]`, in the order of
    /// ``randomEffects(at:into:)``: grouping factor after grouping factor in the engine's order
    /// (most levels first), level after level, the factor's columns within a level.
    public let randomEffectNames: [String]

    let rows: MixedModelRows
    let sampled: SampledEffectsLayout
    let coordinates: [SampledBlockCoordinates]
    let work: JointWorkspaceLayout
    var globals: GlobalParameters
    var storage: [Double]

    /// The density of `model` with the brms-like default priors of
    /// ``MixedModelParameterization/init(model:)``.
    public init(model: LinearMixedModel, effects: RandomEffectParameterization) {
        self.init(model: model, effects: effects, checkedParameterization: MixedModelParameterization(model: model))
    }

    /// The density of `model` with the priors of `parameterization`, which must have been made
    /// from the same model (else ``MixedModelDensityError/parameterizationMismatch(reason:)``).
    public init(model: LinearMixedModel, effects: RandomEffectParameterization, parameterization: MixedModelParameterization) throws(MixedModelDensityError) {
        try MixedModelDensityError.check(parameterization, against: model)
        self.init(model: model, effects: effects, checkedParameterization: parameterization)
    }

    private init(model: LinearMixedModel, effects: RandomEffectParameterization, checkedParameterization layout: MixedModelParameterization) {
        parameterization = layout
        effectParameterization = effects
        let rows = MixedModelRows(model: model)
        self.rows = rows
        sampled = SampledEffectsLayout(rows: rows, blocks: Array(rows.blocks.indices), start: layout.dimension)
        let coordinates = sampled.entries.map { entry in
            SampledBlockCoordinates(entry: entry, parameterization: effects) {
                PartialCentering(rows: rows, block: entry.block, projection: nil)
            }
        }
        self.coordinates = coordinates
        dimension = layout.dimension + sampled.count
        parameterNames = layout.parameterNames + zip(coordinates, model.blocks).flatMap { SampledEffectsLayout.names(symbol: $0.symbol, block: $1) }
        randomEffectNames = sampled.names(symbol: "r", model: model)
        work = JointWorkspaceLayout(rows: rows, caches: coordinates.map(\.cacheCount))
        globals = layout.makeGlobals()
        storage = Array(repeating: 0, count: work.count)
    }

    public mutating func logDensity(at x: [Double], gradient: inout [Double]) -> Double {
        guard x.count == dimension, gradient.count == dimension else { return -.infinity }
        parameterization.decode(x, into: &globals)
        guard globals.sigma > 0, globals.sigma.isFinite else { return -.infinity }
        var storage: [Double] = []
        swap(&storage, &self.storage)
        defer { swap(&storage, &self.storage) }
        let (value, sigmaAdjoint) = storage.withUnsafeMutableBufferPointer { w in
            x.withUnsafeBufferPointer { xp in
                gradient.withUnsafeMutableBufferPointer { g in
                    evaluate(x: xp.baseAddress!, work: w.baseAddress!, gradient: g.baseAddress!)
                }
            }
        }
        guard value.isFinite else { return -.infinity }
        let total = value + parameterization.completeGradient(x, globals: &globals, sigmaAdjoint: sigmaAdjoint, gradient: &gradient)
        return total.isFinite ? total : -.infinity
    }

    /// Each block's T and its effects b at x into the workspace (β first, which the partial form
    /// reads).
    private func prepareEffects(x: UnsafePointer<Double>, work w: UnsafeMutablePointer<Double>) {
        let beta = w + work.beta
        for j in 0..<rows.p { beta[j] = globals.beta[j] }
        for (k, block) in coordinates.enumerated() {
            let s = block.entry.dimension
            let t = w + work.factors[k]
            for i in 0..<(s * s) { t[i] = globals.factors[k][i] }
            block.effects(coordinates: x + block.entry.offset, factor: t, sigma: globals.sigma, beta: beta,
                          cache: w + work.caches[k], into: w + work.effects[k])
        }
    }

    /// The likelihood and the effects' prior; writes the effects' gradient, ∂/∂β and ∂/∂T_k
    /// into `globals`, and returns ∂/∂σ.
    private mutating func evaluate(x: UnsafePointer<Double>, work w: UnsafeMutablePointer<Double>, gradient g: UnsafeMutablePointer<Double>) -> (value: Double, sigmaAdjoint: Double) {
        let n = rows.n
        let p = rows.p
        let sigma = globals.sigma
        let beta = w + work.beta
        prepareEffects(x: x, work: w)
        // Residual e = y − Xβ − Σ_k Z_k b_k.
        let e = w + work.residual
        let blocks = rows.blocks
        let effectOffsets = work.effects
        let squares = EffectPasses.residual(rows: rows, beta: beta, blockCount: blocks.count, effects: { (blocks[$0], UnsafePointer(w + effectOffsets[$0])) }, into: e)
        // ∂ℓ/∂(Xβ + Zb) = e/σ²: sums of e pulled back, then scaled.
        let precision = 1 / (sigma * sigma)
        let betaAdjoint = w + work.betaAdjoint
        EffectPasses.accumulateFixed(rows: rows, weights: e, into: betaAdjoint)
        for j in 0..<p { betaAdjoint[j] *= precision }
        for (k, block) in rows.blocks.enumerated() {
            let adjoint = w + work.effectAdjoints[k]
            EffectPasses.accumulateEffects(block: block, weights: e, into: adjoint, count: n)
            for i in 0..<(block.levelCount * block.dimension) { adjoint[i] *= precision }
        }
        var value = -0.5 * Double(n) * JointWorkspaceLayout.logTwoPi - Double(n) * log(sigma) - 0.5 * squares * precision
        var sigmaAdjoint = -Double(n) / sigma + squares * precision / sigma
        // The effects' prior, their gradient and ∂/∂T_k.
        for (k, block) in coordinates.enumerated() {
            let s = block.entry.dimension
            let factorAdjoint = w + work.factorAdjoints[k]
            let term = block.pullBack(
                coordinates: x + block.entry.offset, factor: w + work.factors[k], sigma: sigma,
                effects: w + work.effects[k], adjoint: w + work.effectAdjoints[k], cache: w + work.caches[k],
                scratch: w + work.scratch, gradient: g + block.entry.offset, factorAdjoint: factorAdjoint,
                betaAdjoint: betaAdjoint)
            value += term.value
            sigmaAdjoint += term.sigmaAdjoint
            for i in 0..<(s * s) { globals.factorAdjoints[k][i] = factorAdjoint[i] }
        }
        for j in 0..<p { globals.betaAdjoint[j] = betaAdjoint[j] }
        return (value, sigmaAdjoint)
    }

    // MARK: Random effects

    /// The random effects b at x into `effects` (``randomEffectNames`` name them; for the
    /// centered form they are x's last coordinates). Allocates nothing. False (effects
    /// unchanged) when x or `effects` has the wrong length.
    @discardableResult
    public mutating func randomEffects(at x: [Double], into effects: inout [Double]) -> Bool {
        guard x.count == dimension, effects.count == sampled.count else { return false }
        parameterization.decode(x, into: &globals)
        var storage: [Double] = []
        swap(&storage, &self.storage)
        defer { swap(&storage, &self.storage) }
        let work = self.work
        let start = sampled.start
        storage.withUnsafeMutableBufferPointer { w in
            x.withUnsafeBufferPointer { xp in prepareEffects(x: xp.baseAddress!, work: w.baseAddress!) }
            for (k, entry) in sampled.entries.enumerated() {
                for i in 0..<entry.count { effects[entry.offset - start + i] = w[work.effects[k] + i] }
            }
        }
        return true
    }

    /// The random effects b at x (see ``randomEffects(at:into:)``); nil when x has the wrong length.
    public mutating func randomEffects(at x: [Double]) -> [Double]? {
        var effects = [Double](repeating: 0, count: sampled.count)
        return randomEffects(at: x, into: &effects) ? effects : nil
    }

    /// The point x for global coordinates `globals` (length `parameterization.dimension`) and
    /// random effects b (the order of ``randomEffectNames``): b itself when centered, z = T⁻¹ b
    /// level by level when non-centered, ε = (b − m)/s when partial. Nil when a length does not
    /// match.
    public func coordinates(globals x: [Double], randomEffects b: [Double]) -> [Double]? {
        guard x.count == parameterization.dimension, b.count == sampled.count else { return nil }
        var point = x + b
        var decoded = parameterization.makeGlobals()
        parameterization.decode(x, into: &decoded)
        var cache = [Double](repeating: 0, count: max(work.count, 1))
        for (k, block) in coordinates.enumerated() {
            decoded.factors[k].withUnsafeBufferPointer { t in
                decoded.beta.withUnsafeBufferPointer { beta in
                    b.withUnsafeBufferPointer { effects in
                        point.withUnsafeMutableBufferPointer { v in
                            cache.withUnsafeMutableBufferPointer { c in
                                block.coordinates(
                                    effects: effects.baseAddress! + block.entry.offset - sampled.start, factor: t.baseAddress!,
                                    sigma: decoded.sigma, beta: beta.baseAddress!, cache: c.baseAddress!,
                                    into: v.baseAddress! + block.entry.offset)
                            }
                        }
                    }
                }
            }
        }
        return point
    }
}

/// Offsets into the workspace of ``JointMixedModelDensity``, one flat array of Doubles.
struct JointWorkspaceLayout: Sendable {
    static let logTwoPi = log(2 * Double.pi)

    /// Per block: T (S²), ∂/∂T (S²), b (ℓS), ∂ℓ/∂b (ℓS).
    let factors: [Int]
    let factorAdjoints: [Int]
    let effects: [Int]
    let effectAdjoints: [Int]
    /// Per block the scratch of its coordinates (``SampledBlockCoordinates/cacheCount``).
    let caches: [Int]
    /// The residual (n), β (p), ∂/∂β (p) and two vectors of the largest S.
    let residual: Int
    let beta: Int
    let betaAdjoint: Int
    let scratch: Int
    let maxDimension: Int
    let count: Int

    init(rows: MixedModelRows, caches cacheCounts: [Int]) {
        var next = 0
        func take(_ size: Int) -> Int {
            defer { next += size }
            return next
        }
        factors = rows.blocks.map { take($0.dimension * $0.dimension) }
        factorAdjoints = rows.blocks.map { take($0.dimension * $0.dimension) }
        effects = rows.blocks.map { take($0.dimension * $0.levelCount) }
        effectAdjoints = rows.blocks.map { take($0.dimension * $0.levelCount) }
        caches = cacheCounts.map { take($0) }
        residual = take(rows.n)
        beta = take(rows.p)
        betaAdjoint = take(rows.p)
        maxDimension = rows.blocks.map(\.dimension).max() ?? 0
        scratch = take(2 * maxDimension)
        count = next
    }
}
