import Foundation

/// A first-order prediction of the conditional modes at a new (θ, β) from the mode at the last
/// one, for a canonical link on designs without nested blocks: by the implicit function theorem on
/// the mode's equation u = ΛᵀZᵀs(η) (as in ``laplaceGradient(_:theta:state:)``),
///
///     M Δu = ΔΛᵀZᵀs − ΛᵀZᵀW(X Δβ + Z ΔΛ û),   M = ΛᵀZᵀWZΛ + I,
///
/// with s, W and M at the old mode, whose factor the core still holds: one pass over the rows and
/// one solve instead of a reweighting and a factorization. PIRLS started from û + Δu is O(‖Δx‖²)
/// from the new mode instead of O(‖Δx‖), which saves one of its usual three or four iterations
/// when an optimizer moves (θ, β) a little at a time.
extension GeneralizedLinearMixedModel {
    /// The predicted modes at (θ, `state.beta`) from `state.mode`, or nil where the prediction does
    /// not apply (no mode to start from, a non-canonical link, nested blocks, a failed factor) or
    /// moves an effect by more than one standard deviation (a long step, where PIRLS does as well
    /// from the old modes).
    func predictedModes(_ core: PenalizedLeastSquares, state: PIRLSState, theta: [Double]) -> [[Double]]? {
        guard let mode = state.mode, hasExactLaplaceGradient, core.isPositiveDefinite, mode.theta.count == theta.count else { return nil }
        let n = design.nobs
        let old = thetaLayout.lambdas(mode.theta)
        let new = thetaLayout.lambdas(theta)
        let ranges = core.blockEffectRanges
        let offsets = ranges.map(\.lowerBound)
        let x = design.fixedEffects.matrix
        let deltaBeta = zip(state.beta, mode.beta).map { $0 - $1 }
        // Per block, read once: Sₖ, zᵢₖ, the codes, and λₖ and Δλₖ (column-major).
        let dims = blocks.map(\.dimension)
        let zs = blocks.map(\.z.elements)
        let codes = blocks.map(\.codes)
        let oldLambda = old.map(\.elements)
        let change = zip(new, old).map { zip($0.elements, $1.elements).map { $0 - $1 } }
        var rhs = [Double](repeating: 0, count: core.randomEffectCount)
        // Row i's λₖᵀzᵢₖ for every block, side by side (Σₖ Sₖ values).
        let starts = dims.indices.map { dims[..<$0].reduce(0, +) }
        var t = [Double](repeating: 0, count: dims.reduce(0, +))
        for i in 0..<n {
            let (y, eta, m) = (design.response[i], state.eta[i], priorWeights[i])
            let s = family.score(y, eta: eta, link: link, weight: m)
            let w = family.working(y, eta: eta, link: link, weight: m).weight
            // c = W(xᵢᵀΔβ + Σₖ (Δλₖᵀzᵢₖ)ᵀuₖ), with ΔΛᵀZᵀs added as it goes; then −ΛᵀZᵀc.
            var c = 0.0
            for j in deltaBeta.indices where deltaBeta[j] != 0 { c += x[i, j] * deltaBeta[j] }
            for k in blocks.indices {
                let size = dims[k], z = zs[k], level = Int(codes[k][i])
                let base = offsets[k] + level * size
                for b in 0..<size {
                    var (sum, delta) = (0.0, 0.0)
                    for a in b..<size {
                        sum += z[a + i * size] * oldLambda[k][a + b * size]
                        delta += z[a + i * size] * change[k][a + b * size]
                    }
                    t[starts[k] + b] = sum
                    c += delta * state.u[k][level * size + b]
                    rhs[base + b] += s * delta
                }
            }
            c *= w
            for k in blocks.indices {
                let size = dims[k], base = offsets[k] + Int(codes[k][i]) * size
                for b in 0..<size { rhs[base + b] -= c * t[starts[k] + b] }
            }
        }
        let delta = core.solveRandomSystem(rhs)
        guard delta.allSatisfy({ abs($0) <= 1 }) else { return nil }
        return blocks.indices.map { k in zip(state.u[k], delta[ranges[k]]).map { $0 + $1 } }
    }
}

extension GeneralizedLinearMixedModel {
    /// The Laplace gradient at (θ, β) a difference step from the mode in `state`, for the central
    /// differences of the Hessian: at the predicted modes ũ = û ± û′h (no PIRLS iterations), with
    /// the factor at their weights. ũ is O(h²) from the new mode, with the same leading error
    /// ½û″h² on both sides of the centre, so it cancels in (g₊ − g₋)/2h, which keeps its O(h²)
    /// error; that saves PIRLS's confirming step, a factorization and a deviance per gradient.
    /// Where no prediction applies, PIRLS runs from the warm state. Nil when either fails.
    func displacedGradient(_ warmCore: PenalizedLeastSquares, state warmState: PIRLSState, theta: [Double], beta: [Double]) -> [Double]? {
        var (core, state) = (warmCore, warmState)
        state.beta = beta
        if let predicted = predictedModes(core, state: state, theta: theta) {
            state.u = predicted
            state.eta = linearPredictor(beta: beta, u: predicted, lambdas: thetaLayout.lambdas(theta))
            reweight(&core, eta: state.eta, heldBeta: beta)
            guard core.update(theta: theta) else { return nil }
        } else {
            guard (try? pirls(&core, theta: theta, state: &state, holdingBeta: true)) != nil else { return nil }
        }
        return laplaceGradient(core, theta: theta, state: state)
    }
}
