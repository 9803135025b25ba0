import Foundation

/// The joint MAP objective of a linear mixed model, in the coordinates of a
/// ``JointMAPParameterization``:
///
///     F(β, b, σ, Σ) = log p(y | β, b, σ) + Σ_k Σ_j log N(b_kj; 0, Σ_k) + log p(β, σ, Σ)  [+ log |J|]
///
/// evaluated through ``JointMixedModelDensity`` (one density, no second copy of its algebra):
///
/// - centered: the density's centered form minus log |J| of the globals' transform;
/// - non-centered: the density's non-centered form, which is the density of z (b = T z), minus
///   Σ_k ℓ_k log |T_k| (the Jacobian of b ↦ z), so that F is the same function of (β, b, σ, Σ);
/// - hierarchical: the centered form at b = u − W γ (``HierarchicalCentering``; unit Jacobian).
///
/// log |J| (the globals' transform only) is added back when `includeJacobian` is set.
/// ``pieces(at:)`` splits F into the likelihood term and the prior term with their gradients.
struct JointMAPObjective {
    let parameterization: JointMAPParameterization
    let includeJacobian: Bool
    private(set) var density: JointMixedModelDensity
    let centering: HierarchicalCentering
    let layout: MixedModelParameterization
    /// First coordinate, levels and columns of each engine block's effects.
    let offsets: [Int]
    let dimensions: [Int]
    let levelCounts: [Int]
    let groups: [String]
    private var globals: GlobalParameters
    private var gradientBuffer: [Double]

    var dimension: Int { density.dimension }
    var p: Int { layout.fixedNames.count }

    init(model: LinearMixedModel, parameterization: JointMAPParameterization, includeJacobian: Bool, layout: MixedModelParameterization) throws(MixedModelDensityError) {
        self.parameterization = parameterization
        self.includeJacobian = includeJacobian
        density = try JointMixedModelDensity(
            model: model, effects: parameterization == .nonCentered ? .nonCentered : .centered, parameterization: layout)
        centering = parameterization == .hierarchical ? HierarchicalCentering(model: model) : HierarchicalCentering(absorptions: [])
        self.layout = layout
        let blocks = density.effectBlocks
        offsets = blocks.map(\.offset)
        dimensions = blocks.map(\.dimension)
        levelCounts = blocks.map(\.levels)
        groups = blocks.map(\.group)
        globals = layout.makeGlobals()
        gradientBuffer = [Double](repeating: 0, count: density.dimension)
    }

    /// Coordinate names: the density's, with `u[…]` for hierarchically centered effects.
    var parameterNames: [String] {
        guard parameterization == .hierarchical else { return density.parameterNames }
        return layout.parameterNames + density.randomEffectNames.map { "u" + $0.dropFirst() }
    }

    /// The density's coordinates (b or z) for a point in this form's coordinates.
    func densityCoordinates(_ x: [Double]) -> [Double] {
        guard parameterization == .hierarchical else { return x }
        var point = x
        centering.addMeans(to: &point, offsets: offsets, dimensions: dimensions, sign: -1)
        return point
    }

    /// This form's coordinates from global coordinates and random effects b.
    func coordinates(globals x: [Double], randomEffects b: [Double]) -> [Double]? {
        guard var point = density.coordinates(globals: x, randomEffects: b) else { return nil }
        if parameterization == .hierarchical { centering.addMeans(to: &point, offsets: offsets, dimensions: dimensions) }
        return point
    }

    /// The random effects b at x, per engine block (level-major).
    mutating func randomEffects(at x: [Double]) -> [[Double]] {
        let flat = density.randomEffects(at: densityCoordinates(x)) ?? []
        return offsets.indices.map { k in
            let start = offsets[k] - layout.dimension
            return Array(flat[start..<(start + levelCounts[k] * dimensions[k])])
        }
    }

    /// F at x with ∇F in `gradient`; −∞ where the density cannot be evaluated.
    mutating func value(at x: [Double], gradient: inout [Double]) -> Double {
        let point = densityCoordinates(x)
        var value = density.logDensity(at: point, gradient: &gradient)
        guard value > -.infinity else { return -.infinity }
        layout.decode(point, into: &globals)
        if parameterization == .nonCentered {
            // − Σ_k ℓ_k log |T_k|.
            let jacobian = MixedModelParameterization.effectsLogJacobian(factors: globals.factors, dimensions: dimensions, levelCounts: levelCounts)
            value -= jacobian.value
            let correction = layout.chainRule(point, globals: &globals, betaAdjoint: [], sigmaAdjoint: 0, factorAdjoints: jacobian.factorAdjoints)
            for i in correction.indices { gradient[i] -= correction[i] }
        }
        if !includeJacobian {
            let jacobian = layout.logJacobian(point, globals: &globals)
            value -= jacobian.value
            for i in jacobian.gradient.indices { gradient[i] -= jacobian.gradient[i] }
        }
        if parameterization == .hierarchical { centering.pullBack(&gradient, offsets: offsets, dimensions: dimensions) }
        return value.isFinite ? value : -.infinity
    }

    /// F at x (no gradient wanted).
    mutating func value(at x: [Double]) -> Double {
        var gradient = gradientBuffer
        defer { gradientBuffer = gradient }
        return value(at: x, gradient: &gradient)
    }

    /// F split into the likelihood term log p(y | β, b, σ) and the rest (the effects' prior, the
    /// globals' priors, and log |J| if included), each with its gradient in this form's
    /// coordinates. The likelihood is a function of whatever the form feeds into the linear
    /// predictor: (β, b, σ) centered; (β, T, z, σ) non-centered; (β_rest, u, σ) hierarchical,
    /// where the absorbed group-level coefficients do not appear, so their likelihood gradient is 0.
    mutating func pieces(at x: [Double]) -> ObjectivePieces? {
        var total = [Double](repeating: 0, count: dimension)
        let value = value(at: x, gradient: &total)
        guard value > -.infinity else { return nil }
        let point = densityCoordinates(x)
        layout.decode(point, into: &globals)
        var beta = Array(point.prefix(p))
        let effects: [[Double]]
        switch parameterization {
        case .centered, .nonCentered:
            effects = randomEffects(at: x)
        case .hierarchical:
            for absorption in centering.absorptions { beta[absorption.fixedColumn] = 0 }
            effects = offsets.indices.map { k in Array(x[offsets[k]..<(offsets[k] + levelCounts[k] * dimensions[k])]) }
        }
        let term = density.gaussianLikelihood(beta: beta, effects: effects, sigma: globals.sigma)
        var likelihood = [Double](repeating: 0, count: dimension)
        for j in 0..<p where !centering.isAbsorbed(j) { likelihood[j] = term.betaAdjoint[j] }
        likelihood[layout.sigmaCoordinate] = globals.sigma * term.sigmaAdjoint
        switch parameterization {
        case .centered, .hierarchical:
            for k in offsets.indices {
                for i in term.effectAdjoints[k].indices { likelihood[offsets[k] + i] = term.effectAdjoints[k][i] }
            }
        case .nonCentered:
            // ∂ℓ/∂z_kj = T_kᵀ a_kj and ∂ℓ/∂T_k = Σ_j a_kj z_kjᵀ with a = ∂ℓ/∂b.
            var factorAdjoints: [[Double]] = []
            for k in offsets.indices {
                let s = dimensions[k]
                let t = globals.factors[k]
                var adjoint = [Double](repeating: 0, count: s * s)
                for level in 0..<levelCounts[k] {
                    let a = Array(term.effectAdjoints[k][(level * s)..<((level + 1) * s)])
                    let zStart = offsets[k] + level * s
                    for c in 0..<s {
                        var sum = 0.0
                        for r in c..<s { sum += t[r + c * s] * a[r] }
                        likelihood[zStart + c] = sum
                        for r in c..<s { adjoint[r + c * s] += a[r] * x[zStart + c] }
                    }
                }
                factorAdjoints.append(adjoint)
            }
            let covariance = layout.chainRule(point, globals: &globals, betaAdjoint: [], sigmaAdjoint: 0, factorAdjoints: factorAdjoints)
            for i in covariance.indices where i > layout.sigmaCoordinate { likelihood[i] = covariance[i] }
        }
        let prior = zip(total, likelihood).map { $0 - $1 }
        return ObjectivePieces(
            value: value, likelihood: term.value, prior: value - term.value,
            gradient: total, likelihoodGradient: likelihood, priorGradient: prior)
    }

    /// The coordinates of each parameter block, for the gradient-flow report: the fixed effects,
    /// σ, each grouping factor's covariance (its log SDs and correlation coordinates) and each
    /// grouping factor's random effects.
    var blocks: [(name: String, coordinates: [Int])] {
        var result: [(String, [Int])] = []
        if p > 0 { result.append(("fixed effects", Array(0..<p))) }
        result.append(("sigma", [layout.sigmaCoordinate]))
        var next = layout.sigmaCoordinate + 1
        for block in layout.blocks {
            result.append(("covariance[\(block.group)]", Array(next..<(next + block.coordinateCount))))
            next += block.coordinateCount
        }
        let symbol = switch parameterization {
        case .centered: "b"
        case .nonCentered: "z"
        case .hierarchical: "u"
        }
        for k in offsets.indices {
            result.append(("\(symbol)[\(groups[k])]", Array(offsets[k]..<(offsets[k] + levelCounts[k] * dimensions[k]))))
        }
        return result
    }
}

/// The objective and its two terms at one point, with gradients in the optimizer's coordinates.
struct ObjectivePieces {
    var value: Double
    var likelihood: Double
    var prior: Double
    var gradient: [Double]
    var likelihoodGradient: [Double]
    var priorGradient: [Double]
}

extension HierarchicalCentering {
    init(absorptions: [Absorption]) { self.absorptions = absorptions }
}
