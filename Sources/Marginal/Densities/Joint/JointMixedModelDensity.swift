import Foundation

/// The joint posterior density of a linear mixed model with every random effect sampled
/// (`--marginalize none`):
///
///     log p(x) = log N(y; Xβ + Σ_k Z_k b_k, σ²I) + Σ_k Σ_j log p(b_kj | Σ_k) + log prior + log |J|,
///
/// with b_kj ~ N(0, Σ_k), Σ_k = T_k T_kᵀ (T_k from ``MixedModelParameterization``). The
/// coordinates are x = [globals, then the effects of every engine block] (``SampledEffectsLayout``):
///
/// - ``RandomEffectParameterization/centered``: the coordinates are b, and
///   log p(b_kj | Σ_k) = −(S/2) log 2π − log |T_k| − ½ ‖T_k⁻¹ b_kj‖²;
/// - ``RandomEffectParameterization/nonCentered``: the coordinates are z with b_kj = T_k z_kj, and
///   the term is log N(z_kj; 0, I).
///
/// The two are the same distribution under the change of variables b = T z: the non-centered
/// density equals the centered one at b = T z plus Σ_k ℓ_k log |T_k|.
///
/// Each evaluation costs O(N·(p + Σ S_k) + Σ_k ℓ_k S_k²): one pass for the residual, one for
/// the adjoints. The gradient is analytic; nothing is allocated once the value exists.
public struct JointMixedModelDensity: LogDensity {
    /// The layout of the global coordinates, their names and the priors.
    public let parameterization: MixedModelParameterization
    /// Whether the effects' coordinates are b (centered) or z with b = T z (non-centered).
    public let effectParameterization: RandomEffectParameterization
    public let dimension: Int
    /// Names of all coordinates of x: the layout's, then `r[group][level,column]` (centered: the
    /// effects themselves) or `z[group][level,column]` (non-centered).
    public let parameterNames: [String]
    /// Names of the reported random effects b, `r[group][level,column]`, in the order of
    /// ``randomEffects(at:into:)``: grouping factor after grouping factor in the engine's order
    /// (most levels first), level after level, the factor's columns within a level.
    public let randomEffectNames: [String]

    let rows: MixedModelRows
    let sampled: SampledEffectsLayout
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
        rows = MixedModelRows(model: model)
        sampled = SampledEffectsLayout(rows: rows, blocks: Array(rows.blocks.indices), start: layout.dimension)
        dimension = layout.dimension + sampled.count
        parameterNames = layout.parameterNames + sampled.names(symbol: effects == .centered ? "r" : "z", model: model)
        randomEffectNames = sampled.names(symbol: "r", model: model)
        work = JointWorkspaceLayout(rows: rows)
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

    /// The likelihood and the effects' prior; writes the effects' gradient, ∂/∂β and ∂/∂T_k
    /// into `globals`, and returns ∂/∂σ.
    private mutating func evaluate(x: UnsafePointer<Double>, work w: UnsafeMutablePointer<Double>, gradient g: UnsafeMutablePointer<Double>) -> (value: Double, sigmaAdjoint: Double) {
        let n = rows.n
        let p = rows.p
        let sigma = globals.sigma
        let beta = w + work.beta
        for j in 0..<p { beta[j] = globals.beta[j] }
        // Each block's T and its effects b.
        for (k, entry) in sampled.entries.enumerated() {
            let s = entry.dimension
            let t = w + work.factors[k]
            for i in 0..<(s * s) { t[i] = globals.factors[k][i] }
            let b = w + work.effects[k]
            let source = x + entry.offset
            switch effectParameterization {
            case .centered:
                b.update(from: source, count: entry.count)
            case .nonCentered:
                for level in 0..<entry.levelCount {
                    TriangularKernels.lowerTimes(t, source + level * s, into: b + level * s, size: s)
                }
            }
        }
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
        let sigmaAdjoint = -Double(n) / sigma + squares * precision / sigma
        // The effects' prior, their gradient and ∂/∂T_k.
        let u = w + work.scratch
        let q = u + work.maxDimension
        for (k, entry) in sampled.entries.enumerated() {
            let s = entry.dimension
            let levels = entry.levelCount
            let t = w + work.factors[k]
            let b = w + work.effects[k]
            let adjoint = w + work.effectAdjoints[k]
            let factorAdjoint = w + work.factorAdjoints[k]
            factorAdjoint.update(repeating: 0, count: s * s)
            value -= 0.5 * Double(levels * s) * JointWorkspaceLayout.logTwoPi
            var effectSquares = 0.0
            switch effectParameterization {
            case .centered where s == 1:
                // Scalar T = t: u = b/t, q = u/t.
                let inverse = 1 / t[0]
                var tAdjoint = 0.0
                let gradient = g + entry.offset
                for level in 0..<levels {
                    let ul = b[level] * inverse
                    let ql = ul * inverse
                    effectSquares += ul * ul
                    gradient[level] = adjoint[level] - ql
                    tAdjoint += ql * ul
                }
                value -= Double(levels) * log(t[0])
                factorAdjoint[0] = tAdjoint - Double(levels) * inverse
            case .nonCentered where s == 1:
                let t0 = t[0]
                var tAdjoint = 0.0
                let z = x + entry.offset
                let gradient = g + entry.offset
                for level in 0..<levels {
                    effectSquares += z[level] * z[level]
                    gradient[level] = t0 * adjoint[level] - z[level]
                    tAdjoint += adjoint[level] * z[level]
                }
                factorAdjoint[0] = tAdjoint
            case .centered:
                // u = T⁻¹b, q = T⁻ᵀu = Σ⁻¹b: ∂/∂b = −q, ∂/∂T = q uᵀ − ℓ·diag(1/T_aa).
                for level in 0..<levels {
                    let bl = b + level * s
                    for a in 0..<s { u[a] = bl[a] }
                    TriangularKernels.solveLower(t, u, size: s)
                    for a in 0..<s {
                        effectSquares += u[a] * u[a]
                        q[a] = u[a]
                    }
                    TriangularKernels.solveLowerTransposed(t, q, size: s)
                    let gradient = g + entry.offset + level * s
                    for a in 0..<s { gradient[a] = adjoint[level * s + a] - q[a] }
                    for c in 0..<s {
                        for a in c..<s { factorAdjoint[a + c * s] += q[a] * u[c] }
                    }
                }
                value -= Double(levels) * TriangularKernels.logDiagonal(t, size: s)
                for a in 0..<s { factorAdjoint[a + a * s] -= Double(levels) / t[a + a * s] }
            case .nonCentered:
                // ∂/∂z = Tᵀ(∂ℓ/∂b) − z, ∂/∂T = Σ_j (∂ℓ/∂b_j) z_jᵀ.
                for level in 0..<levels {
                    let z = x + entry.offset + level * s
                    let al = adjoint + level * s
                    let gradient = g + entry.offset + level * s
                    TriangularKernels.lowerTransposedTimes(t, al, into: gradient, size: s)
                    for a in 0..<s {
                        effectSquares += z[a] * z[a]
                        gradient[a] -= z[a]
                    }
                    for c in 0..<s {
                        for a in c..<s { factorAdjoint[a + c * s] += al[a] * z[c] }
                    }
                }
            }
            value -= 0.5 * effectSquares
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
        for (k, entry) in sampled.entries.enumerated() {
            let s = entry.dimension
            let start = entry.offset - sampled.start
            for i in 0..<entry.count {
                switch effectParameterization {
                case .centered:
                    effects[start + i] = x[entry.offset + i]
                case .nonCentered:
                    let (level, a) = i.quotientAndRemainder(dividingBy: s)
                    var sum = 0.0
                    for c in 0...a { sum += globals.factors[k][a + c * s] * x[entry.offset + level * s + c] }
                    effects[start + i] = sum
                }
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
    /// level by level when non-centered. Nil when a length does not match.
    public func coordinates(globals x: [Double], randomEffects b: [Double]) -> [Double]? {
        guard x.count == parameterization.dimension, b.count == sampled.count else { return nil }
        var point = x + b
        guard effectParameterization == .nonCentered else { return point }
        var decoded = parameterization.makeGlobals()
        parameterization.decode(x, into: &decoded)
        for (k, entry) in sampled.entries.enumerated() {
            decoded.factors[k].withUnsafeBufferPointer { t in
                point.withUnsafeMutableBufferPointer { v in
                    for level in 0..<entry.levelCount {
                        TriangularKernels.solveLower(t.baseAddress!, v.baseAddress! + entry.offset + level * entry.dimension, size: entry.dimension)
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
    /// The residual (n), β (p), ∂/∂β (p) and two vectors of the largest S.
    let residual: Int
    let beta: Int
    let betaAdjoint: Int
    let scratch: Int
    let maxDimension: Int
    let count: Int

    init(rows: MixedModelRows) {
        var next = 0
        func take(_ size: Int) -> Int {
            defer { next += size }
            return next
        }
        factors = rows.blocks.map { take($0.dimension * $0.dimension) }
        factorAdjoints = rows.blocks.map { take($0.dimension * $0.dimension) }
        effects = rows.blocks.map { take($0.dimension * $0.levelCount) }
        effectAdjoints = rows.blocks.map { take($0.dimension * $0.levelCount) }
        residual = take(rows.n)
        beta = take(rows.p)
        betaAdjoint = take(rows.p)
        maxDimension = rows.blocks.map(\.dimension).max() ?? 0
        scratch = take(2 * maxDimension)
        count = next
    }
}
