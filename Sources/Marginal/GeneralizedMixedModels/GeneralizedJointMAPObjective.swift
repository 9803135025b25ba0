import Foundation

/// The joint MAP objective of a generalized model (canonical link, no dispersion) in
/// non-centred coordinates x = [γ, log SDs, correlation coordinates, z] (``GeneralizedPriors``;
/// b_kl = T_k z_kl):
///
///     F = log p(y | β, b) + Σ_k Σ_l log N(b_kl; 0, T_k T_kᵀ) + log p(β) + log p(SDs, correlations)
///
/// the log joint posterior density of (β, b, SDs, correlation factor) themselves, as the linear
/// model's ``JointMAPObjective`` with its defaults: the sampler's non-centred density
/// (``GeneralizedMixedDensity``, nothing integrated out) minus log |J| of the SDs' and
/// correlations' transforms and minus Σ_k ℓ_k log |T_k|, the Jacobian of b ↦ z, since
/// log N(T z; 0, T Tᵀ) = −‖z‖²/2 − log |T| + const. (β = Bγ has a constant Jacobian, left out.)
/// Its maximizer in these coordinates is therefore the same point as in centred ones; only the
/// optimizer's path differs.
struct GeneralizedJointMAPObjective: JointMAPSurface {
    private(set) var density: GeneralizedMixedDensity
    private var globals: GlobalParameters
    private var gradientBuffer: [Double]
    /// Columns and levels of each engine block.
    private let dimensions: [Int]
    private let levelCounts: [Int]

    init(model: GeneralizedLinearMixedModel, priors: GeneralizedPriors) throws(MixedModelError) {
        density = try GeneralizedMixedDensity(model: model, integrating: nil, points: 1, priors: priors)
        globals = priors.layout.makeGlobals()
        gradientBuffer = [Double](repeating: 0, count: density.dimension)
        dimensions = model.blocks.map(\.dimension)
        levelCounts = model.blocks.map(\.levelCount)
    }

    var layout: MixedModelParameterization { density.priors.layout }
    var dimension: Int { density.dimension }
    var globalCount: Int { density.globalCount }
    var p: Int { density.priors.p }

    func layoutCoordinates(_ x: [Double]) -> [Double] { density.priors.layoutCoordinates(x) }

    /// x has no log σ: the layout's coordinates after it sit one place earlier.
    func position(ofLayoutCoordinate c: Int) -> Int { c < p ? c : c - 1 }

    /// Non-centred: z is a coordinate, so holding it is moving one coordinate.
    func moved(_ x: [Double], coordinate: Int, by step: Double) -> [Double] {
        var point = x
        point[coordinate] += step
        return point
    }

    /// F at x with ∇F in `gradient`; −∞ where the density cannot be evaluated.
    mutating func value(at x: [Double], gradient: inout [Double]) -> Double {
        let logDensity = density.logDensity(at: x, gradient: &gradient)
        guard logDensity > -.infinity else { return -.infinity }
        let jacobians = self.jacobians(at: x)
        for i in jacobians.gradient.indices { gradient[i] -= jacobians.gradient[i] }
        let value = logDensity - jacobians.value
        return value.isFinite ? value : -.infinity
    }

    mutating func value(at x: [Double]) -> Double {
        var gradient = gradientBuffer
        defer { gradientBuffer = gradient }
        return value(at: x, gradient: &gradient)
    }

    /// log |J| of the globals' transform plus Σ_k ℓ_k log |T_k|, with its gradient over the
    /// global coordinates of x.
    private mutating func jacobians(at x: [Double]) -> (value: Double, gradient: [Double]) {
        let layoutX = layoutCoordinates(x)
        layout.decode(layoutX, into: &globals)
        let transform = layout.logJacobian(layoutX, globals: &globals)
        let effects = MixedModelParameterization.effectsLogJacobian(factors: globals.factors, dimensions: dimensions, levelCounts: levelCounts)
        let chain = layout.chainRule(layoutX, globals: &globals, betaAdjoint: [], sigmaAdjoint: 0, factorAdjoints: effects.factorAdjoints)
        var gradient = [Double](repeating: 0, count: globalCount)
        density.priors.pullBack(zip(transform.gradient, chain).map(+), into: &gradient)
        return (transform.value + effects.value, gradient)
    }

    /// F split into the likelihood log p(y | β, b) and the rest (−‖z‖²/2 − Σ_k ℓ_k log |T_k|, the
    /// effects' prior, and the globals' priors), with their gradients in x. The rest is formed
    /// directly (the priors and Jacobians of ``MixedModelParameterization``), the likelihood's
    /// part as F minus it.
    mutating func pieces(at x: [Double]) -> ObjectivePieces? {
        var total = [Double](repeating: 0, count: dimension)
        let value = value(at: x, gradient: &total)
        guard value > -.infinity else { return nil }
        let jacobians = self.jacobians(at: x)
        let layoutX = layoutCoordinates(x)
        layout.decode(layoutX, into: &globals)
        let withJacobian = layout.priorAndJacobian(layoutX, globals: &globals)
        var prior = [Double](repeating: 0, count: dimension)
        density.priors.pullBack(withJacobian.gradient, into: &prior)
        var priorValue = withJacobian.value - jacobians.value
        for i in 0..<globalCount { prior[i] -= jacobians.gradient[i] }
        for i in globalCount..<dimension {
            priorValue -= x[i] * x[i] / 2
            prior[i] = -x[i]
        }
        return ObjectivePieces(
            value: value, likelihood: value - priorValue, prior: priorValue,
            gradient: total, likelihoodGradient: zip(total, prior).map { $0 - $1 }, priorGradient: prior)
    }

    /// The random effects b = T z at x in ``RandomEffectsLayout``'s order; nil where an SD is
    /// not positive and finite.
    mutating func randomEffects(at x: [Double]) -> [Double]? {
        guard density.setOffsets(x) else { return nil }
        var effects = [Double](repeating: 0, count: density.sampled.count)
        density.sampled.copyEffects(into: &effects)
        return effects
    }

    /// The coordinates of z = T⁻¹b for effects b in ``RandomEffectsLayout``'s order, at the
    /// global coordinates `globals` (forward substitution per level).
    mutating func standardized(_ effects: [Double], globals x: [Double]) -> [Double] {
        layout.decode(layoutCoordinates(x), into: &globals)
        var z = effects
        var start = 0
        for (k, s) in dimensions.enumerated() {
            let t = globals.factors[k]
            for level in 0..<levelCounts[k] {
                let base = start + level * s
                for a in 0..<s {
                    var sum = effects[base + a]
                    for c in 0..<a { sum -= t[a + c * s] * z[base + c] }
                    z[base + a] = sum / t[a + a * s]
                }
            }
            start += s * levelCounts[k]
        }
        return z
    }

    /// The parameter blocks of the gradient-flow report: the fixed effects (in γ's
    /// coordinates), each grouping factor's covariance coordinates and its z.
    var blocks: [(name: String, coordinates: [Int])] {
        var result: [(String, [Int])] = []
        if p > 0 { result.append(("fixed effects", Array(0..<p))) }
        var next = p
        for block in layout.blocks {
            result.append(("covariance[\(block.group)]", Array(next..<(next + block.coordinateCount))))
            next += block.coordinateCount
        }
        for (k, block) in layout.blocks.enumerated() {
            let count = dimensions[k] * levelCounts[k]
            result.append(("z[\(block.group)]", Array(next..<(next + count))))
            next += count
        }
        return result
    }
}
