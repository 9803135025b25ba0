import Foundation

/// The posterior density of a linear mixed model with the random effects of *several* grouping
/// factors M integrated out through the blocked Cholesky factor, and the effects of the other
/// factors S sampled non-centered or partially non-centered (`--marginalize g,h`).
///
/// With b_S the sampled effects and r = y − Z_S b_S, the likelihood is that of the linear mixed
/// model over the blocks of M alone with response r,
///
///     ℓ(β, σ, T_M; r) = log N(r; Xβ, σ²I + Z_M Σ_M Z_Mᵀ),
///
/// which ``MarginalizedMixedModelDensity`` evaluates, with its exact gradient in β, σ and T_M,
/// from the factor of a model over M whose cross products take the new response in the y row
/// alone (``CrossProducts/setResponseProducts(effectSums:fixedSums:squares:)``), formed in that
/// model's basis for r̃ = ỹ − Z_S b_S, ỹ = y − X̃c. The gradient of ℓ in r is −V⁻¹(r − Xβ) =
/// −e/σ², e = y − Xβ − Z_S b_S − Z_M μ with μ = Λũ, ũ the conditional modes of the factor at β,
/// so
///
///     ∂ℓ/∂b_S = Z_Sᵀ e / σ²,
///
/// pulled back through the sampled blocks' coordinates (``SampledBlockCoordinates``), whose prior
/// terms complete the density. Partially non-centered effects are standardized by their
/// conditional distribution with M integrated out (``FactorProjection``) at a pilot of M's
/// covariance: the REML estimate of the model over M alone, cheap because its factor is, and
/// closer than moment estimates (on the course-evaluation design they put the department ×
/// service cells' relative SD at its floor, 0.05, against 0.09 fitted). This
/// generalizes ``OneClassMarginalizedDensity`` (M one factor,
/// by Woodbury level by level) to any set M whose blocked factor is cheap: a factor with many
/// levels first, then factors with few (on the course-evaluation design, the 1,128 lecturers and
/// the 28 department × service cells, a dense block of 28), while the factor that is hardest to
/// integrate (the 2,972 students, crossed with the lecturers) is sampled.
///
/// Every product with the data comes from cross products formed once (``SubsetCrossProducts``):
/// an evaluation never passes over the rows. Its cost is a gather per pair of levels of a sampled
/// and another block that share a row (at most n per pair of blocks), plus one update of the
/// factor over M; it allocates nothing. On the course-evaluation design, 0.4 ms per gradient.
public struct SubsetMarginalizedDensity: LogDensity {
    /// The layout of the global coordinates (the whole model's), their names and the priors.
    public let parameterization: MixedModelParameterization
    /// The grouping factors integrated out, in the engine's order.
    public let marginalizedGroups: [String]
    public let dimension: Int
    public let effectParameterization: RandomEffectParameterization
    /// Names of all coordinates of x: the layout's, then the sampled effects' coordinates.
    public let parameterNames: [String]
    /// Where each random effect sits in what ``drawRandomEffects(at:using:into:)`` fills.
    public let randomEffectsLayout: RandomEffectsLayout

    /// The likelihood over M (its own priors are not used) and, for each of its blocks, the
    /// whole model's block.
    var inner: MarginalizedMixedModelDensity
    let innerBlocks: [Int]
    let reducedBlocks: [RandomEffectBlock]
    let effects: SampledEffectsLayout
    let coordinates: [SampledBlockCoordinates]
    /// What an evaluation reads of the data (it never passes over the rows).
    let products: SubsetCrossProducts
    var globals: GlobalParameters
    var work: Work

    /// Preallocated storage of one evaluation.
    struct Work {
        /// b_m and Λ_k ũ_k, each with a zero after its values (padded ``CrossTabulation``s read it).
        var sampledEffects: [[Double]]
        var caches: [[Double]]
        var factors: [[Double]]
        var effectAdjoints: [[Double]]
        var factorAdjoints: [[Double]]
        var betaAdjoint: [Double]
        var fixedSums: [Double]
        var scratch: [Double]
        /// Per sampled block, w_m = Σ_m' Z_mᵀZ_m' b_m' (``SubsetCrossProducts``).
        var sampledProducts: [[Double]]
        /// Per block of M: Z_kᵀr̃, and Λ_k ũ_k (ℓ·S values each, level-major, the second then a zero).
        var levelSums: [[Double]]
        var levelMeans: [[Double]]
    }

    /// The density of `model` with the blocks of `groups` integrated out and the others sampled as
    /// `effects` says, with the priors of `parameterization` (made from `model`).
    public init(
        model: LinearMixedModel, marginalizing groups: [String], effects form: RandomEffectParameterization = .partial,
        parameterization layout: MixedModelParameterization
    ) throws(MixedModelDensityError) {
        try MixedModelDensityError.check(layout, against: model)
        let names = model.blocks.map(\.group)
        for group in groups where !names.contains(group) {
            throw .unknownGroup(group, available: names, suggestion: closestName(to: group, among: names))
        }
        guard form != .centered else { throw .centeredWithClassIntegratedOut }
        let marginalized = model.blocks.indices.filter { groups.contains(model.blocks[$0].group) }
        let sampled = model.blocks.indices.filter { !groups.contains(model.blocks[$0].group) }
        guard !marginalized.isEmpty, !sampled.isEmpty else { throw .subsetNeedsBothKinds(groups: names) }
        var reduced = model.design
        reduced.randomEffects = model.design.randomEffects.filter { groups.contains($0.group) }
        let reducedModel: LinearMixedModel
        do {
            reducedModel = try LinearMixedModel(design: reduced)
        } catch {
            throw .subsetModel(error.description)
        }
        inner = MarginalizedMixedModelDensity(model: reducedModel)
        innerBlocks = reducedModel.blocks.map { block in model.blocks.firstIndex { $0.group == block.group } ?? 0 }
        reducedBlocks = reducedModel.blocks
        randomEffectsLayout = RandomEffectsLayout(blocks: model.blocks)
        parameterization = layout
        marginalizedGroups = marginalized.map { model.blocks[$0].group }
        effectParameterization = form
        let rows = MixedModelRows(model: model)
        let effects = SampledEffectsLayout(rows: rows, blocks: sampled, start: layout.dimension)
        self.effects = effects
        let pilot = OneClassMarginalizedDensity.pilotFactors(model: model)
        let projection = form == .partial
            ? FactorProjection(model: reducedModel, theta: (try? reducedModel.fit(criterion: .reml))?.theta ?? reducedModel.startingTheta)
            : nil
        coordinates = effects.entries.map { entry in
            SampledBlockCoordinates(entry: entry, parameterization: form) {
                PartialCentering(rows: rows, block: entry.block, projection: projection, pilotScale: pilot[entry.block].first)
            }
        }
        dimension = layout.dimension + effects.count
        parameterNames = layout.parameterNames + coordinates.flatMap { SampledEffectsLayout.names(symbol: $0.symbol, block: model.blocks[$0.entry.block]) }
        globals = layout.makeGlobals()
        let p = model.design.fixedEffects.p
        products = SubsetCrossProducts(
            rows: rows, sampled: effects.entries.map(\.block), integrated: innerBlocks, basis: reducedModel.products.basis)
        let largest = model.blocks.map(\.dimension).max() ?? 1
        work = Work(
            sampledEffects: effects.entries.map { [Double](repeating: 0, count: $0.count + 1) },
            caches: coordinates.map { [Double](repeating: 0, count: max($0.cacheCount, 1)) },
            factors: effects.entries.map { [Double](repeating: 0, count: $0.dimension * $0.dimension) },
            effectAdjoints: effects.entries.map { [Double](repeating: 0, count: $0.count) },
            factorAdjoints: effects.entries.map { [Double](repeating: 0, count: $0.dimension * $0.dimension) },
            betaAdjoint: [Double](repeating: 0, count: p), fixedSums: [Double](repeating: 0, count: p),
            scratch: [Double](repeating: 0, count: 2 * largest),
            sampledProducts: effects.entries.map { [Double](repeating: 0, count: $0.count) },
            levelSums: reducedModel.blocks.map { [Double](repeating: 0, count: $0.effectCount) },
            levelMeans: reducedModel.blocks.map { [Double](repeating: 0, count: $0.effectCount + 1) })
    }

    public mutating func logDensity(at x: [Double], gradient: inout [Double]) -> Double {
        guard x.count == dimension, gradient.count == dimension, x.allSatisfy(\.isFinite) else { return -.infinity }
        parameterization.decode(x, into: &globals)
        guard globals.sigma > 0, globals.sigma.isFinite else { return -.infinity }
        guard let (likelihood, sigmaAdjoint) = likelihoodAndAdjoints(x: x, gradient: &gradient) else { return -.infinity }
        let total = likelihood + parameterization.completeGradient(x, globals: &globals, sigmaAdjoint: sigmaAdjoint, gradient: &gradient)
        return total.isFinite ? total : -.infinity
    }

    /// At the decoded `globals`: the sampled effects b_S from the coordinates x, the response
    /// products of the factor over M for r̃ = ỹ − Z_S b_S, and the factor's β, σ and T_M.
    mutating func loadSampledEffects(x: [Double]) {
        let sigma = globals.sigma
        for (m, block) in coordinates.enumerated() {
            let entry = block.entry
            let s = entry.dimension
            for i in 0..<(s * s) { work.factors[m][i] = globals.factors[entry.block][i] }
            x.withUnsafeBufferPointer { xp in
                work.factors[m].withUnsafeBufferPointer { tp in
                    globals.beta.withUnsafeBufferPointer { bp in
                        work.caches[m].withUnsafeMutableBufferPointer { cp in
                            work.sampledEffects[m].withUnsafeMutableBufferPointer { ep in
                                block.effects(coordinates: xp.baseAddress! + entry.offset, factor: tp.baseAddress!, sigma: sigma,
                                              beta: bp.baseAddress!, cache: cp.baseAddress!, into: ep.baseAddress!)
                            }
                        }
                    }
                }
            }
        }
        let squares = products.responseProducts(
            effects: work.sampledEffects, w: &work.sampledProducts, levelSums: &work.levelSums, fixedSums: &work.fixedSums)
        inner.setResponseProducts(effectSums: work.levelSums, fixedSums: work.fixedSums, squares: squares)
        inner.globals.beta = globals.beta
        inner.globals.sigma = sigma
        for (k, full) in innerBlocks.enumerated() { inner.globals.factors[k] = globals.factors[full] }
    }

    /// ℓ plus the sampled coordinates' prior terms; ∂/∂β and ∂/∂T_k into `globals`, the sampled
    /// coordinates' gradient into `gradient`; returns them with ∂/∂σ. Nil where ℓ cannot be evaluated.
    private mutating func likelihoodAndAdjoints(x: [Double], gradient: inout [Double]) -> (Double, Double)? {
        let sigma = globals.sigma
        loadSampledEffects(x: x)
        guard let (value, innerSigmaAdjoint) = inner.likelihoodAndAdjoints(gradient: true) else { return nil }
        // μ_k = Λ_k ũ_k per block of M, then Z_Sᵀe/σ² for e = y − Xβ − Z_S b_S − Z_M μ.
        let lambdas = inner.factor.lambdas
        for (k, block) in reducedBlocks.enumerated() {
            let s = block.dimension
            let offset = inner.randomEffectsLayout.groups[k].offset
            lambdas[k].withUnsafeBufferPointer { lambda in
                inner.workspace.effects.withUnsafeBufferPointer { up in
                    work.levelMeans[k].withUnsafeMutableBufferPointer { out in
                        let u = up.baseAddress! + offset
                        for level in 0..<block.levelCount {
                            SmallMatrix.lowerTimes(lambda.baseAddress!, u + level * s, into: out.baseAddress! + level * s, size: s)
                        }
                    }
                }
            }
        }
        products.sampledProducts(
            beta: globals.beta, w: work.sampledProducts, means: work.levelMeans, scale: 1 / (sigma * sigma), into: &work.effectAdjoints)
        // The sampled blocks' adjoints, pulled back through their coordinates.
        var total = value
        var sigmaAdjoint = innerSigmaAdjoint
        for j in work.betaAdjoint.indices { work.betaAdjoint[j] = 0 }
        for (m, block) in coordinates.enumerated() {
            let entry = block.entry
            let s = entry.dimension
            let term = x.withUnsafeBufferPointer { xp in
                gradient.withUnsafeMutableBufferPointer { gp in
                    work.factors[m].withUnsafeBufferPointer { tp in
                        work.sampledEffects[m].withUnsafeBufferPointer { ep in
                            work.effectAdjoints[m].withUnsafeBufferPointer { ap in
                                work.caches[m].withUnsafeBufferPointer { cp in
                                    work.scratch.withUnsafeMutableBufferPointer { sp in
                                        work.factorAdjoints[m].withUnsafeMutableBufferPointer { fp in
                                            work.betaAdjoint.withUnsafeMutableBufferPointer { bp in
                                                block.pullBack(
                                                    coordinates: xp.baseAddress! + entry.offset, factor: tp.baseAddress!, sigma: sigma,
                                                    effects: ep.baseAddress!, adjoint: ap.baseAddress!, cache: cp.baseAddress!,
                                                    scratch: sp.baseAddress!, gradient: gp.baseAddress! + entry.offset,
                                                    factorAdjoint: fp.baseAddress!, betaAdjoint: bp.baseAddress!)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            total += term.value
            sigmaAdjoint += term.sigmaAdjoint
            for i in 0..<(s * s) { globals.factorAdjoints[entry.block][i] = work.factorAdjoints[m][i] }
        }
        for j in globals.betaAdjoint.indices { globals.betaAdjoint[j] = inner.globals.betaAdjoint[j] + work.betaAdjoint[j] }
        for (k, full) in innerBlocks.enumerated() { globals.factorAdjoints[full] = inner.globals.factorAdjoints[k] }
        return (total, sigmaAdjoint)
    }
}
