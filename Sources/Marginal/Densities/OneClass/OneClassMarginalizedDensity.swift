import Foundation

/// The posterior density of a linear mixed model with the random effects of one grouping factor
/// (class i) integrated out and the others sampled non-centered (`--marginalize FACTOR`), after
/// Lai, Domke & Sheldon (NeurIPS 2024, arXiv 2410.24079).
///
/// With b_k = T_k z_k, z_k ~ N(0, I) for every block k ≠ i, the residual
/// r = y − Xβ − Σ_{k≠i} Z_k b_k is N(0, V), V = σ²I + Z_i (I ⊗ Σ_i) Z_iᵀ, Σ_i = T Tᵀ. Every row
/// touches one level j of class i, so V is block diagonal over levels and, with G_j = Z_ijᵀZ_ij,
/// h_j = Z_ijᵀ r_j and the S × S matrix M_j = σ²I + Tᵀ G_j T (= σ² Tᵀ F_j T for the per-level
/// posterior precision F_j = Σ_i⁻¹ + G_j/σ²), Woodbury and the determinant lemma give
///
///     log N(r; 0, V) = −(N/2) log 2π − (N − ℓS) log σ − ½ Σ_j log |M_j|
///                      − (rᵀr − Σ_j c_jᵀ M_j⁻¹ c_j) / (2σ²),       c_j = Tᵀ h_j.
///
/// Working with M_j rather than F_j needs no inverse of T. The density of x is that plus the
/// sampled blocks' prior terms plus the layout's priors and Jacobians; x = [globals, the
/// coordinates of the other blocks] (``SampledEffectsLayout``), non-centered (b_k = T_k z_k,
/// term Σ log N(z_k; 0, I)) or partially non-centered (``PartialCentering``, with class i
/// projected out at a moment-based pilot of its relative covariance), as
/// ``RandomEffectParameterization`` says (``SampledBlockCoordinates``). The formulas below are
/// for the non-centered form; the partial one changes only how b_k and its prior depend on x.
///
/// The rows are sorted by the levels of class i, so that each level's rows are contiguous.
///
/// Gradient, with w_j = M_j⁻¹ c_j, v_j = T w_j and a = V⁻¹r (a_n = (r_n − z_nᵀ v_j)/σ²):
///
///     ∂/∂r = −a  (so ∂/∂β = Xᵀa, ∂/∂z_kl = T_kᵀ Σ_{n in l} a_n z_kn − z_kl, ∂/∂T_k = Σ_l (Σ a_n z_kn) z_klᵀ),
///     ∂/∂σ = −(N − ℓS)/σ − σ Σ_j tr M_j⁻¹ + (rᵀr − Σ_j c_jᵀw_j)/σ³ − Σ_j ‖w_j‖²/σ,
///     ∂/∂T = Σ_j [−G_j T M_j⁻¹ + (Z_ijᵀ a_j) w_jᵀ],   Z_ijᵀ a_j = (h_j − G_j v_j)/σ².
///
/// Cost per evaluation: O(N·(p + Σ S_k)) in a few passes over the rows (the residual block by
/// block, h, then a and its pull-backs; see ``EffectPasses``; a single pass when one
/// one-column block is sampled, ``OneClassRowPasses``), plus O(ℓ S³) for the levels. When
/// class i is the only block the rows are not read at all: precomputed sufficient statistics
/// (``ClassStatistics``) make it O(ℓ S (S² + p) + p²).
///
/// Recovery (``classConditional(at:)``, ``drawRandomEffects(at:using:into:)``): given x,
/// b_ij ~ N(F_j⁻¹ h_j/σ², F_j⁻¹) independently over levels, i.e. mean v_j = T M_j⁻¹ Tᵀ h_j and
/// covariance σ² T M_j⁻¹ Tᵀ.
public struct OneClassMarginalizedDensity: LogDensity {
    /// The layout of the global coordinates, their names and the priors.
    public let parameterization: MixedModelParameterization
    /// The grouping factor integrated out, as the model names it (`Subject`, `cask:batch`).
    public let marginalizedGroup: String
    /// Index of the marginalized block among the engine's blocks (``LinearMixedModel`` order).
    public let marginalizedBlock: Int
    public let dimension: Int
    /// How the other grouping factors' effects are sampled: non-centered or partial.
    public let effectParameterization: RandomEffectParameterization
    /// Names of all coordinates of x: the layout's, then `z[group][level,column]` (non-centered)
    /// or `e[group][level,column]` (partial) for the sampled effects of the other grouping factors.
    public let parameterNames: [String]
    /// Names of the random effects b of every block, `r[group][level,column]`, in the order of
    /// ``drawRandomEffects(at:using:into:)``: grouping factor after grouping factor in the
    /// engine's order (most levels first), level after level, the factor's columns within a level.
    public let randomEffectNames: [String]
    /// Where each block's effects start in that order.
    public let randomEffectOffsets: [Int]

    let rows: MixedModelRows
    let statistics: ClassStatistics
    let effects: SampledEffectsLayout
    let coordinates: [SampledBlockCoordinates]
    /// Whether the rows are read by the fused pass of ``OneClassRowPasses``.
    let fusedPasses: Bool
    let work: OneClassWorkspaceLayout
    var globals: GlobalParameters
    var storage: [Double]

    /// The density of `model` with the block of grouping factor `group` integrated out, the
    /// other factors' effects sampled as `effects` says (``RandomEffectParameterization/nonCentered``
    /// or ``RandomEffectParameterization/partial``), and the brms-like default priors of
    /// ``MixedModelParameterization/init(model:)``.
    /// Throws ``MixedModelDensityError/unknownGroup(_:available:suggestion:)`` when the model has
    /// no such grouping factor and ``MixedModelDensityError/centeredWithClassIntegratedOut`` for
    /// `centered`.
    public init(model: LinearMixedModel, marginalizing group: String, effects: RandomEffectParameterization = .nonCentered) throws(MixedModelDensityError) {
        try self.init(model: model, marginalizing: group, effects: effects, checkedParameterization: MixedModelParameterization(model: model))
    }

    /// As ``init(model:marginalizing:effects:)`` with the priors of `parameterization`, which must
    /// have been made from the same model (else ``MixedModelDensityError/parameterizationMismatch(reason:)``).
    public init(
        model: LinearMixedModel, marginalizing group: String, effects: RandomEffectParameterization = .nonCentered,
        parameterization: MixedModelParameterization
    ) throws(MixedModelDensityError) {
        try MixedModelDensityError.check(parameterization, against: model)
        try self.init(model: model, marginalizing: group, effects: effects, checkedParameterization: parameterization)
    }

    private init(
        model: LinearMixedModel, marginalizing group: String, effects form: RandomEffectParameterization,
        checkedParameterization layout: MixedModelParameterization
    ) throws(MixedModelDensityError) {
        let groups = model.blocks.map(\.group)
        guard let classIndex = groups.firstIndex(of: group) else {
            throw .unknownGroup(group, available: groups, suggestion: closestName(to: group, among: groups))
        }
        guard form != .centered else { throw .centeredWithClassIntegratedOut }
        parameterization = layout
        marginalizedGroup = group
        marginalizedBlock = classIndex
        effectParameterization = form
        let rows = MixedModelRows(model: model, sortedBy: classIndex)
        self.rows = rows
        let statistics = ClassStatistics(rows: rows, classIndex: classIndex)
        self.statistics = statistics
        effects = SampledEffectsLayout(rows: rows, blocks: rows.blocks.indices.filter { $0 != classIndex }, start: layout.dimension)
        let pilot = form == .partial ? Self.pilotFactors(model: model) : []
        let projection = form == .partial
            ? ClassProjection(rows: rows, block: classIndex, gram: statistics.gram, pilot: pilot[classIndex])
            : nil
        coordinates = effects.entries.map { entry in
            SampledBlockCoordinates(entry: entry, parameterization: form) {
                PartialCentering(rows: rows, block: entry.block, projection: projection, pilotScale: pilot[entry.block].first)
            }
        }
        fusedPasses = OneClassRowPasses.apply(rows: rows, classIndex: classIndex, sampled: effects.entries.map(\.block))
        dimension = layout.dimension + effects.count
        parameterNames = layout.parameterNames + coordinates.flatMap { SampledEffectsLayout.names(symbol: $0.symbol, block: model.blocks[$0.entry.block]) }
        randomEffectNames = model.blocks.flatMap { SampledEffectsLayout.names(symbol: "r", block: $0) }
        var offsets: [Int] = []
        var next = 0
        for block in model.blocks {
            offsets.append(next)
            next += block.effectCount
        }
        randomEffectOffsets = offsets
        work = OneClassWorkspaceLayout(
            rows: rows, classIndex: classIndex, effects: effects, caches: coordinates.map(\.cacheCount),
            usesRows: statistics.sufficient == nil && !fusedPasses,
            runBuffer: fusedPasses ? OneClassRowPasses.longestRun(rows: rows, classIndex: classIndex) : 0)
        globals = layout.makeGlobals()
        storage = Array(repeating: 0, count: work.count)
    }

    /// Whether every sampled effect is partially non-centered (or none is sampled), so that at
    /// coordinates 0 the effects sit near their conditional means given the globals and the
    /// coordinates are standardized: the case for a Laplace start (``LaplaceStart``).
    public var standardizesSampledEffects: Bool {
        coordinates.allSatisfy { block in
            if case .partial = block.form { return true }
            return false
        }
    }

    /// The pilot relative covariance factors Λ̂_k = T̂_k/σ̂ of every block (S × S, column-major)
    /// that the partial form uses, class i's to project it out and the sampled blocks' for their
    /// conditional means (``PartialCentering``): the engine's moment-based starting values
    /// (``LinearMixedModel/startingTheta``; λ = I in scaled columns for a block with several columns).
    static func pilotFactors(model: LinearMixedModel) -> [[Double]] {
        model.thetaLayout.lambdas(model.startingTheta).map(\.elements)
    }

    public mutating func logDensity(at x: [Double], gradient: inout [Double]) -> Double {
        guard x.count == dimension, gradient.count == dimension else { return -.infinity }
        parameterization.decode(x, into: &globals)
        guard globals.sigma > 0, globals.sigma.isFinite else { return -.infinity }
        var storage: [Double] = []
        swap(&storage, &self.storage)
        defer { swap(&storage, &self.storage) }
        let result: (value: Double, sigmaAdjoint: Double)? = storage.withUnsafeMutableBufferPointer { w in
            x.withUnsafeBufferPointer { xp in
                gradient.withUnsafeMutableBufferPointer { g in
                    guard let terms = prepare(x: xp.baseAddress!, work: w.baseAddress!, adjoints: true) else { return nil }
                    return finish(terms, x: xp.baseAddress!, work: w.baseAddress!, gradient: g.baseAddress!)
                }
            }
        }
        guard let result, result.value.isFinite else { return -.infinity }
        let total = result.value + parameterization.completeGradient(x, globals: &globals, sigmaAdjoint: result.sigmaAdjoint, gradient: &gradient)
        return total.isFinite ? total : -.infinity
    }

    /// The sums of one evaluation that the value and ∂/∂σ need.
    struct ClassTerms {
        var residualSquares = 0.0
        var quadratic = 0.0
        var logDeterminant = 0.0
        var traceInverse = 0.0
        var solutionSquares = 0.0
    }

    /// Everything up to the per-level factors: each block's T and the sampled b_k = T_k z_k,
    /// the residual r and h_j (or their sufficient-statistic forms), and per level the Cholesky
    /// factor of M_j, w_j and v_j = T w_j. With `adjoints`, also ∂ℓ/∂T_i (the class's part) into
    /// the workspace. Nil if some M_j is not positive definite in rounding.
    func prepare(x: UnsafePointer<Double>, work w: UnsafeMutablePointer<Double>, adjoints: Bool) -> ClassTerms? {
        let s = statistics.dimension
        let levels = statistics.levelCount
        let sigma = globals.sigma
        let variance = sigma * sigma
        let p = rows.p
        var terms = ClassTerms()
        let beta = w + work.beta
        for j in 0..<p { beta[j] = globals.beta[j] }
        let t = w + work.classFactor
        for i in 0..<(s * s) { t[i] = globals.factors[marginalizedBlock][i] }
        let h = w + work.classSums
        if let sufficient = statistics.sufficient {
            // h_j = Z_jᵀr₀ − (Z_jᵀX)Δ and rᵀr about β₀.
            let delta = w + work.delta
            for j in 0..<p { delta[j] = beta[j] - sufficient.referenceBeta[j] }
            var squares = sufficient.residualSquares
            for a in 0..<p {
                var row = 0.0
                for b in 0..<p { row += sufficient.xtx[a + b * p] * delta[b] }
                squares += delta[a] * (row - 2 * sufficient.xtr[a])
            }
            terms.residualSquares = squares
            let q = levels * s
            h.update(from: sufficient.ztr.baseAddress!, count: q)
            for a in 0..<p {
                let column = UnsafePointer(sufficient.ztx.baseAddress! + a * q)
                let da = delta[a]
                for i in 0..<q { h[i] -= column[i] * da }
            }
        } else {
            // r = y − Xβ − Σ_{k≠i} Z_k b_k, then h_j = Σ_{n in j} r_n z_n.
            for (m, block) in coordinates.enumerated() {
                let entry = block.entry
                let sk = entry.dimension
                let tk = w + work.factors[m]
                for i in 0..<(sk * sk) { tk[i] = globals.factors[entry.block][i] }
                block.effects(coordinates: x + entry.offset, factor: tk, sigma: sigma, beta: beta,
                              cache: w + work.caches[m], into: w + work.effects[m])
            }
            let r = w + work.residual
            let blocks = rows.blocks
            let entries = effects.entries
            let effectOffsets = work.effects
            if fusedPasses {
                // All the row and level work in one pass (``OneClassRowPasses``).
                let outputs = OneClassRowPasses.Outputs(
                    classSums: h, means: w + work.means, factors: w + work.choleskyFactors,
                    sampledSums: w + work.effectAdjoints[0], fixedSums: w + work.betaAdjoint, buffer: w + work.runBuffer)
                guard let sums = OneClassRowPasses.evaluate(
                    rows: rows, classIndex: marginalizedBlock, sampledIndex: entries[0].block,
                    gram: statistics.gram.baseAddress!, beta: beta, effects: w + effectOffsets[0], classFactor: t[0],
                    sigma: sigma, adjoints: adjoints, into: outputs)
                else { return nil }
                terms.residualSquares = sums.residualSquares
                terms.quadratic = sums.quadratic
                terms.logDeterminant = sums.logDeterminant
                terms.traceInverse = sums.traceInverse
                terms.solutionSquares = sums.solutionSquares
                if adjoints { w[work.classFactorAdjoint] = sums.factorAdjoint }
                return terms
            }
            terms.residualSquares = EffectPasses.residual(
                rows: rows, beta: beta, blockCount: entries.count,
                effects: { (blocks[entries[$0].block], UnsafePointer(w + effectOffsets[$0])) }, into: r)
            EffectPasses.accumulateEffects(block: rows.blocks[marginalizedBlock], weights: r, into: h, count: rows.n)
        }
        // Per level: M_j = σ²I + TᵀG_jT = L_j L_jᵀ, c_j = Tᵀh_j, w_j = M_j⁻¹c_j, v_j = T w_j.
        let product = w + work.product
        let inverse = w + work.inverse
        let c = w + work.vectorC
        let solution = w + work.vectorW
        let sums = w + work.vectorE
        let factorAdjoint = w + work.classFactorAdjoint
        if adjoints { factorAdjoint.update(repeating: 0, count: s * s) }
        var determinant = LogProductAccumulator()
        if s == 1 {
            return prepareScalarLevels(terms, h: h, work: w, adjoints: adjoints)
        }
        for level in 0..<levels {
            let g = UnsafePointer(statistics.gram.baseAddress! + level * s * s)
            let l = w + work.choleskyFactors + level * s * s
            let hj = h + level * s
            let vj = w + work.means + level * s
            // P = G T, then the lower triangle of M = TᵀP + σ²I.
            for b in 0..<s {
                for a in 0..<s {
                    var sum = 0.0
                    for k in b..<s { sum += g[a + k * s] * t[k + b * s] }
                    product[a + b * s] = sum
                }
            }
            for b in 0..<s {
                for a in b..<s {
                    var sum = a == b ? variance : 0
                    for k in a..<s { sum += t[k + a * s] * product[k + b * s] }
                    l[a + b * s] = sum
                }
            }
            guard SmallMatrix.choleskyLower(l, size: s) else { return nil }
            for a in 0..<s {
                let diagonal = l[a + a * s]
                guard diagonal.isFinite else { return nil }
                determinant.multiply(by: diagonal * diagonal)
            }
            SmallMatrix.lowerTransposedTimes(t, hj, into: c, size: s)
            for a in 0..<s { solution[a] = c[a] }
            SmallMatrix.solveLower(l, solution, size: s)
            SmallMatrix.solveLowerTransposed(l, solution, size: s)
            for a in 0..<s {
                terms.quadratic += c[a] * solution[a]
                terms.solutionSquares += solution[a] * solution[a]
            }
            SmallMatrix.lowerTimes(t, solution, into: vj, size: s)
            guard adjoints else { continue }
            SmallMatrix.inverseFromCholesky(l, into: inverse, size: s)
            for a in 0..<s { terms.traceInverse += inverse[a + a * s] }
            // e = Z_jᵀa_j = (h_j − G_j v_j)/σ²; ∂ℓ/∂T += −P M⁻¹ + e wᵀ (lower triangle).
            for a in 0..<s {
                var sum = hj[a]
                for k in 0..<s { sum -= g[a + k * s] * vj[k] }
                sums[a] = sum / variance
            }
            for b in 0..<s {
                for a in b..<s {
                    var sum = sums[a] * solution[b]
                    for k in 0..<s { sum -= product[a + k * s] * inverse[k + b * s] }
                    factorAdjoint[a + b * s] += sum
                }
            }
        }
        terms.logDeterminant = determinant.logarithm
        return terms
    }

    /// The level pass of ``prepare(x:work:adjoints:)`` for a class with one column (random
    /// intercepts), in scalars: m_j = σ² + t² g_j, w_j = t h_j / m_j, v_j = t w_j; the Cholesky
    /// factor √m_j is stored only for recovery (`adjoints` false).
    private func prepareScalarLevels(_ terms: ClassTerms, h: UnsafeMutablePointer<Double>, work w: UnsafeMutablePointer<Double>, adjoints: Bool) -> ClassTerms? {
        var terms = terms
        let levels = statistics.levelCount
        let gram = statistics.gram.baseAddress!
        let factors = w + work.choleskyFactors
        let means = w + work.means
        var levelTerms = ScalarClassLevels(classFactor: w[work.classFactor], sigma: globals.sigma, adjoints: adjoints)
        for level in 0..<levels {
            guard let (v, m) = levelTerms.add(gram: gram[level], sum: h[level]) else { return nil }
            means[level] = v
            if !adjoints { factors[level] = m.squareRoot() }
        }
        terms.logDeterminant = levelTerms.determinant.logarithm
        terms.quadratic = levelTerms.quadratic
        terms.solutionSquares = levelTerms.solutionSquares
        terms.traceInverse = levelTerms.traceInverse
        if adjoints { w[work.classFactorAdjoint] = levelTerms.factorAdjoint }
        return terms
    }

    /// The value and the adjoints after ``prepare(x:work:adjoints:)``: ∂/∂β and ∂/∂T_k into
    /// `globals`, the sampled z's gradient into `gradient`; returns the value of the likelihood
    /// and the z's prior, and ∂/∂σ.
    private mutating func finish(_ terms: ClassTerms, x: UnsafePointer<Double>, work w: UnsafeMutablePointer<Double>, gradient g: UnsafeMutablePointer<Double>) -> (value: Double, sigmaAdjoint: Double) {
        let n = Double(rows.n)
        let p = rows.p
        let s = statistics.dimension
        let levels = statistics.levelCount
        let sigma = globals.sigma
        let variance = sigma * sigma
        let integrated = Double(levels * s)
        let quadraticForm = terms.residualSquares - terms.quadratic
        var value = -0.5 * n * OneClassWorkspaceLayout.logTwoPi - (n - integrated) * log(sigma)
            - 0.5 * terms.logDeterminant - 0.5 * quadraticForm / variance
        var sigmaAdjoint = -(n - integrated) / sigma - sigma * terms.traceInverse
            + quadraticForm / (variance * sigma) - terms.solutionSquares / sigma
        let factorAdjoint = w + work.classFactorAdjoint
        for i in 0..<(s * s) { globals.factorAdjoints[marginalizedBlock][i] = factorAdjoint[i] }
        let betaAdjoint = w + work.betaAdjoint
        if let sufficient = statistics.sufficient {
            // Xᵀa = (Xᵀr₀ − XᵀXΔ − Σ_j (Z_jᵀX)ᵀ v_j)/σ².
            let delta = w + work.delta
            let means = w + work.means
            for a in 0..<p {
                var sum = sufficient.xtr[a]
                for b in 0..<p { sum -= sufficient.xtx[a + b * p] * delta[b] }
                betaAdjoint[a] = sum
            }
            let q = levels * s
            for a in 0..<p { betaAdjoint[a] -= VectorKernels.dot(sufficient.ztx.baseAddress! + a * q, means, count: q) }
            for a in 0..<p { betaAdjoint[a] /= variance }
        } else {
            // a = (r − Z_i v)/σ²: r − Z_i v in place of r, pulled back to Xᵀ(·) and each sampled
            // block's per-level sums, which are then scaled by 1/σ².
            // With the fused pass (``OneClassRowPasses``) the row sums are made already.
            let r = w + work.residual
            if !fusedPasses {
                EffectPasses.subtractEffects(block: rows.blocks[marginalizedBlock], effects: w + work.means, source: r, into: r, count: rows.n)
                EffectPasses.accumulateFixed(rows: rows, weights: r, into: betaAdjoint)
            }
            let precision = 1 / variance
            for j in 0..<p { betaAdjoint[j] *= precision }
            for (m, block) in coordinates.enumerated() {
                let entry = block.entry
                let sk = entry.dimension
                let adjoint = w + work.effectAdjoints[m]
                let tkAdjoint = w + work.factorAdjoints[m]
                if !fusedPasses {
                    EffectPasses.accumulateEffects(block: rows.blocks[entry.block], weights: r, into: adjoint, count: rows.n)
                }
                for i in 0..<entry.count { adjoint[i] *= precision }
                let term = block.pullBack(
                    coordinates: x + entry.offset, factor: w + work.factors[m], sigma: sigma,
                    effects: w + work.effects[m], adjoint: adjoint, cache: w + work.caches[m],
                    scratch: w + work.scratch, gradient: g + entry.offset, factorAdjoint: tkAdjoint,
                    betaAdjoint: betaAdjoint)
                value += term.value
                sigmaAdjoint += term.sigmaAdjoint
                for i in 0..<(sk * sk) { globals.factorAdjoints[entry.block][i] = tkAdjoint[i] }
            }
        }
        for j in 0..<p { globals.betaAdjoint[j] = betaAdjoint[j] }
        return (value, sigmaAdjoint)
    }
}
