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
/// for the SDs and correlations. Rows are read in the density's order (`order`), so that the
/// offsets line up with ``QuadratureLevels``.
struct SampledGeneralizedTerms: Sendable {
    struct Term: Sendable {
        /// Index of the engine block, and its first coordinate in x.
        let block: Int
        let offset: Int
        let dimension: Int
        let levelCount: Int
        /// Each row's level and its S covariates (row after row), in the density's row order.
        let codes: [Int]
        let z: [Double]
        /// Where the block's effects start in ``RandomEffectsLayout``'s order.
        let effectStart: Int
        var count: Int { dimension * levelCount }
    }

    let terms: [Term]
    /// Total number of sampled coordinates.
    let count: Int
    /// b_kl and g_kl of each term, level after level (S values each).
    private(set) var effects: [[Double]]
    private var adjoints: [[Double]]

    /// The engine blocks `blocks` of `model`, their coordinates from `start` on, rows in `order`.
    init(model: GeneralizedLinearMixedModel, blocks: [Int], order: [Int], start: Int) {
        var effectStarts: [Int] = []
        var next = 0
        for block in model.blocks {
            effectStarts.append(next)
            next += block.effectCount
        }
        var offset = start
        var terms: [Term] = []
        for k in blocks {
            let block = model.blocks[k]
            let s = block.dimension
            terms.append(Term(
                block: k, offset: offset, dimension: s, levelCount: block.levelCount,
                codes: order.map { Int(block.codes[$0]) },
                z: order.flatMap { i in (0..<s).map { block.z[$0, i] } },
                effectStart: effectStarts[k]))
            offset += block.effectCount
        }
        self.terms = terms
        count = offset - start
        effects = terms.map { Array(repeating: 0, count: $0.count) }
        adjoints = effects
    }

    /// b_k = T_k z_k for every term (T_k in `factors`, the engine's blocks), then adds each row's
    /// Σ_k z_{k,i}ᵀ b_{k,l} to `offsets`.
    mutating func addEffects(x: [Double], factors: [[Double]], to offsets: inout [Double]) {
        for (m, term) in terms.enumerated() {
            let s = term.dimension
            let t = factors[term.block]
            for level in 0..<term.levelCount {
                let base = level * s
                for a in 0..<s {
                    var sum = 0.0
                    for c in 0...a { sum += t[a + c * s] * x[term.offset + base + c] }
                    effects[m][base + a] = sum
                }
            }
            let b = effects[m], codes = term.codes, z = term.z
            if s == 1 {
                for k in offsets.indices { offsets[k] += z[k] * b[codes[k]] }
            } else {
                for k in offsets.indices {
                    var sum = 0.0
                    for a in 0..<s { sum += z[k * s + a] * b[codes[k] * s + a] }
                    offsets[k] += sum
                }
            }
        }
    }

    /// From the row adjoints (`rowGradient`, the density's row order) writes ∂/∂z into
    /// `gradient`, ∂ℓ/∂T_k into `factorAdjoints[k]`, and returns the prior term −Σ‖z‖²/2.
    mutating func pullBack(
        x: [Double], factors: [[Double]], rowGradient: [Double], gradient: inout [Double], factorAdjoints: inout [[Double]]
    ) -> Double {
        var prior = 0.0
        for (m, term) in terms.enumerated() {
            let s = term.dimension
            let codes = term.codes, z = term.z
            for i in adjoints[m].indices { adjoints[m][i] = 0 }
            for k in rowGradient.indices {
                let base = codes[k] * s
                for a in 0..<s { adjoints[m][base + a] += rowGradient[k] * z[k * s + a] }
            }
            let t = factors[term.block]
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

    /// Copies every term's b (after ``addEffects(x:factors:to:)``) into `output` at its place in
    /// ``RandomEffectsLayout``'s order.
    func copyEffects(into output: inout [Double]) {
        for (m, term) in terms.enumerated() {
            for i in 0..<term.count { output[term.effectStart + i] = effects[m][i] }
        }
    }
}
