/// The random effects a generalized model's density samples, non-centred (Papaspiliopoulos,
/// Roberts & Sköld 2007): per sampled block k with covariance factor T_k (S × S lower triangular,
/// Σ_k = T_k T_kᵀ, decoded by ``MixedModelParameterization``) and per level l coordinates
/// z_kl ~ N(0, I_S), the effects are b_kl = T_k z_kl. They enter row i's linear predictor as the
/// offset Σ_k z_{k,i}ᵀ b_{k,l_k(i)}, z_{k,i} the row's covariates of block k.
///
/// Pull-back from the row adjoints rᵢ = ∂ℓ/∂ηᵢ: with g_kl = Σ_{i in l} rᵢ z_{k,i} (= ∂ℓ/∂b_kl),
///
///     ∂/∂z_kl = T_kᵀ g_kl − z_kl   (the prior's −‖z_kl‖²/2 included),
///     ∂ℓ/∂T_k = Σ_l g_kl z_klᵀ      (lower triangle),
///
/// the latter handed to ``MixedModelParameterization/completeGradient(_:globals:sigmaAdjoint:gradient:)``
/// for the SDs and correlations. Rows are the density's (``MixedModelRows``, in its order), so
/// that the offsets line up with ``QuadratureLevels``; the per-level sums g_kl are
/// ``EffectPasses/accumulateEffects(block:weights:into:count:)``.
///
/// A scalar term may instead be partially centred: b_l = m_l + s_l ε_l with the statistics of a
/// pilot's working weights (``WorkingWeightPilot``) and the linear model's forward and backward
/// passes at σ = 1 (``PartialCentering``), which add the prior and the Jacobian log s_l and
/// carry ∂/∂β through m_l.
struct SampledGeneralizedTerms: Sendable {
    struct Term: Sendable {
        /// Index of the engine block (and of its rows in ``MixedModelRows``), and its first
        /// coordinate in x.
        let block: Int
        let offset: Int
        let dimension: Int
        let levelCount: Int
        /// Where the block's effects start in ``RandomEffectsLayout``'s order.
        let effectStart: Int
        /// The partial form's statistics; nil for the non-centred form.
        let centering: PartialCentering?
        var count: Int { dimension * levelCount }
    }

    let terms: [Term]
    let rows: MixedModelRows
    /// Total number of sampled coordinates.
    let count: Int
    /// b_kl and g_kl of each term, level after level (S values each).
    private(set) var effects: [[Double]]
    private var adjoints: [[Double]]
    /// Per partially centred term, the forward pass's m, s and 1/D (3ℓ values), and the sum of
    /// its prior and Jacobian terms at the last ``addEffects(x:factors:beta:to:)``.
    private var caches: [[Double]]
    private var centredPrior = 0.0

    /// The engine blocks `blocks` of `model`, their coordinates from `start` on, read from `rows`;
    /// the scalar ones partially centred at `pilot` when it is given, the others non-centred.
    init(model: GeneralizedLinearMixedModel, blocks: [Int], rows: MixedModelRows, start: Int, pilot: GeneralizedLinearMixedModelFit? = nil) {
        var effectStarts: [Int] = []
        var next = 0
        for block in model.blocks {
            effectStarts.append(next)
            next += block.effectCount
        }
        let centerings = pilot.map { WorkingWeightPilot.centerings(model: model, fit: $0) }
        var offset = start
        var terms: [Term] = []
        for k in blocks {
            let block = model.blocks[k]
            terms.append(Term(
                block: k, offset: offset, dimension: block.dimension, levelCount: block.levelCount, effectStart: effectStarts[k],
                centering: centerings?[k]))
            offset += block.effectCount
        }
        self.terms = terms
        self.rows = rows
        count = offset - start
        effects = terms.map { Array(repeating: 0, count: $0.count) }
        adjoints = effects
        caches = terms.map { Array(repeating: 0, count: $0.centering == nil ? 0 : 3 * $0.levelCount) }
    }

    /// Whether every term is partially centred: at coordinates 0 the effects then sit near their
    /// conditional modes, the case for a Laplace start (``LaplaceStart``).
    var standardizesEffects: Bool { terms.allSatisfy { $0.centering != nil } }

    /// b_k = T_k z_k for every term (T_k in `factors`, the engine's blocks; b = m + sε for a
    /// partially centred one, with the fixed effects `beta`), then adds each row's
    /// Σ_k z_{k,i}ᵀ b_{k,l} to `offsets`.
    mutating func addEffects(x: [Double], factors: [[Double]], beta: [Double], to offsets: inout [Double]) {
        centredPrior = 0
        for (m, term) in terms.enumerated() {
            let s = term.dimension
            let t = factors[term.block]
            if let centering = term.centering {
                centredPrior += x.withUnsafeBufferPointer { x in
                    beta.withUnsafeBufferPointer { beta in
                        effects[m].withUnsafeMutableBufferPointer { b in
                            caches[m].withUnsafeMutableBufferPointer { cache in
                                centering.forward(
                                    tau: t[0], sigma: 1, beta: beta.baseAddress!, epsilon: x.baseAddress! + term.offset,
                                    into: b.baseAddress!, cache: cache.baseAddress!)
                            }
                        }
                    }
                }
            } else {
                for level in 0..<term.levelCount {
                    let base = level * s
                    for a in 0..<s {
                        var sum = 0.0
                        for c in 0...a { sum += t[a + c * s] * x[term.offset + base + c] }
                        effects[m][base + a] = sum
                    }
                }
            }
            let block = rows.blocks[term.block]
            let codes = block.codes, z = block.z
            effects[m].withUnsafeBufferPointer { b in
                offsets.withUnsafeMutableBufferPointer { offsets in
                    if block.unitZ {
                        for k in offsets.indices { offsets[k] += b[Int(codes[k])] }
                    } else if s == 1 {
                        for k in offsets.indices { offsets[k] += z[k] * b[Int(codes[k])] }
                    } else {
                        for k in offsets.indices {
                            let base = Int(codes[k]) * s
                            var sum = 0.0
                            for a in 0..<s { sum += z[k * s + a] * b[base + a] }
                            offsets[k] += sum
                        }
                    }
                }
            }
        }
    }

    /// From the row adjoints (`rowGradient`, the density's row order) writes ∂/∂z (∂/∂ε) into
    /// `gradient`, ∂/∂T_k into `factorAdjoints[k]`, adds a partially centred term's ∂/∂β into
    /// `betaAdjoint`, and returns the effects' prior terms (−Σ‖z‖²/2, and for a partially centred
    /// term its prior and Jacobian).
    mutating func pullBack(
        x: [Double], factors: [[Double]], rowGradient: [Double], gradient: inout [Double], factorAdjoints: inout [[Double]],
        betaAdjoint: inout [Double]
    ) -> Double {
        var prior = centredPrior
        for (m, term) in terms.enumerated() {
            let s = term.dimension
            let block = rows.blocks[term.block], n = rows.n
            rowGradient.withUnsafeBufferPointer { r in
                adjoints[m].withUnsafeMutableBufferPointer { g in
                    EffectPasses.accumulateEffects(block: block, weights: r.baseAddress!, into: g.baseAddress!, count: n)
                }
            }
            let t = factors[term.block]
            if let centering = term.centering {
                let tau = x.withUnsafeBufferPointer { x in
                    effects[m].withUnsafeBufferPointer { b in
                        caches[m].withUnsafeBufferPointer { cache in
                            adjoints[m].withUnsafeBufferPointer { adjoint in
                                gradient.withUnsafeMutableBufferPointer { gradient in
                                    betaAdjoint.withUnsafeMutableBufferPointer { betaAdjoint in
                                        centering.backward(
                                            tau: t[0], sigma: 1, epsilon: x.baseAddress! + term.offset, effects: b.baseAddress!,
                                            cache: cache.baseAddress!, adjoint: adjoint.baseAddress!,
                                            gradient: gradient.baseAddress! + term.offset, betaAdjoint: betaAdjoint.baseAddress!).tau
                                    }
                                }
                            }
                        }
                    }
                }
                factorAdjoints[term.block][0] = tau
                continue
            }
            for i in factorAdjoints[term.block].indices { factorAdjoints[term.block][i] = 0 }
            for level in 0..<term.levelCount {
                let base = level * s
                for c in 0..<s {
                    let zc = x[term.offset + base + c]
                    var sum = -zc
                    for a in c..<s {
                        sum += t[a + c * s] * adjoints[m][base + a]
                        factorAdjoints[term.block][a + c * s] += adjoints[m][base + a] * zc
                    }
                    gradient[term.offset + base + c] = sum
                    prior -= zc * zc / 2
                }
            }
        }
        return prior
    }

    /// Copies every term's b (after ``addEffects(x:factors:beta:to:)``) into `output` at its place
    /// in ``RandomEffectsLayout``'s order.
    func copyEffects(into output: inout [Double]) {
        for (m, term) in terms.enumerated() {
            for i in 0..<term.count { output[term.effectStart + i] = effects[m][i] }
        }
    }
}
