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
        let x = design.fixedEffects.matrix
        let deltaBeta = zip(state.beta, mode.beta).map { $0 - $1 }
        // c = W(XΔβ + Σₖ Zₖ Δλₖ uₖ), with ΔΛᵀZᵀs added block by block as it goes; then −ΛᵀZᵀc.
        var score = [Double](repeating: 0, count: n), c = score
        for i in 0..<n {
            score[i] = family.score(design.response[i], eta: state.eta[i], link: link, weight: priorWeights[i])
            for j in deltaBeta.indices where deltaBeta[j] != 0 { c[i] += x[i, j] * deltaBeta[j] }
        }
        var rhs = [Double](repeating: 0, count: core.randomEffectCount)
        score.withUnsafeBufferPointer { sp in
        c.withUnsafeMutableBufferPointer { cp in
        rhs.withUnsafeMutableBufferPointer { rp in
            for (k, block) in blocks.enumerated() {
                let size = block.dimension, effects = rp.baseAddress! + ranges[k].lowerBound
                let change = zip(new[k].elements, old[k].elements).map { $0 - $1 }
                state.u[k].withUnsafeBufferPointer { up in
                    block.forEachRowTerm(lambda: change) { i, level, delta in
                        let (u, r) = (up.baseAddress! + level * size, effects + level * size)
                        var sum = 0.0
                        for b in 0..<size {
                            sum += delta[b] * u[b]
                            r[b] += sp[i] * delta[b]
                        }
                        cp[i] += sum
                    }
                }
            }
            for i in 0..<n { cp[i] *= family.working(design.response[i], eta: state.eta[i], link: link, weight: priorWeights[i]).weight }
            for (k, block) in blocks.enumerated() {
                let size = block.dimension, effects = rp.baseAddress! + ranges[k].lowerBound
                block.forEachRowTerm(lambda: old[k].elements) { i, level, t in
                    let r = effects + level * size
                    for b in 0..<size { r[b] -= cp[i] * t[b] }
                }
            }
        }}}
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
