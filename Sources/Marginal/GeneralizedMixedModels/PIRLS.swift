import Foundation

/// Penalized iteratively reweighted least squares (Bates et al. 2015, lme4 vignette §5; Bates,
/// *MixedModels.jl* `pirls!`): at θ, the conditional modes û (and, in the nAGQ = 0 stage, β̂)
/// minimize the penalized deviance Σᵢ wᵢ d(yᵢ, μᵢ) + ‖u‖². Each step reweights the core with
/// the working weights wᵢμ′(ηᵢ)²/V(μᵢ) and the working response ηᵢ − oᵢ + (yᵢ − μᵢ)/μ′(ηᵢ)
/// (less Xβ when β is held), solves the penalized least-squares problem, and halves the step
/// towards the previous iterate until the penalized deviance does not rise. Where the link is not
/// canonical the steps use the observed information instead (Newton's method, quadratic
/// convergence; Fisher scoring's linear rate left û about 1e-7 from the mode on the negative
/// binomial's log link, which the standard errors' difference Hessian amplified to 1%), and the
/// factor is formed once more at the expected information for the log-determinant, as lme4's.
struct PIRLSState: Sendable {
    var beta: [Double]
    /// Per block, ℓ·S values, level-major.
    var u: [[Double]]
    var eta: [Double]
    /// The (θ, β) at which `u` and `eta` are PIRLS's converged modes with β held and the core was
    /// last factored, which ``GeneralizedLinearMixedModel/predictedModes(_:state:theta:)`` starts from.
    var mode: (theta: [Double], beta: [Double])? = nil
}

extension GeneralizedLinearMixedModel {
    /// The state PIRLS starts from: η = g(μ₀) with R's starting means, u = 0, β = 0.
    var startingState: PIRLSState {
        let eta = (0..<design.nobs).map { link.linearPredictor(family.initialMean(design.response[$0], weight: priorWeights[$0])) }
        return PIRLSState(beta: Array(repeating: 0, count: design.fixedEffects.p), u: blocks.map { Array(repeating: 0, count: $0.effectCount) }, eta: eta)
    }

    /// η = o + Xβ + Σₖ Zₖ λₖ uₖ.
    func linearPredictor(beta: [Double], u: [[Double]], lambdas: [Matrix]) -> [Double] {
        let n = design.nobs
        var eta = offset
        let x = design.fixedEffects.matrix
        for j in beta.indices where beta[j] != 0 {
            for i in 0..<n { eta[i] += x[i, j] * beta[j] }
        }
        for (k, block) in blocks.enumerated() { block.addEffects(lambda: lambdas[k], u: u[k], into: &eta) }
        return eta
    }

    /// Σᵢ wᵢ d(yᵢ, μᵢ)/φ + ‖u‖²: −2 log p(y | u) + ‖u‖² up to a constant.
    func penalizedDeviance(eta: [Double], u: [[Double]]) -> Double {
        var sum = family.devianceSum(y: design.response, eta: eta, link: link, priorWeights: priorWeights) / family.devianceScale
        for block in u { for value in block { sum += value * value } }
        return sum
    }

    /// Reweights `core` at η: weights wᵢμ′²/V and the working response less o (and less Xβ when
    /// `heldBeta` is given). With `newton`, a row's weight is the observed information instead
    /// where that is positive, and its working response η − o + score/weight, so that the step is
    /// Newton's (quadratic convergence where the link is not canonical).
    func reweight(_ core: inout PenalizedLeastSquares, eta: [Double], heldBeta: [Double]?, newton: Bool = false) {
        let n = design.nobs
        var weights = [Double](repeating: 0, count: n)
        var response = [Double](repeating: 0, count: n)
        family.workingValues(y: design.response, eta: eta, link: link, priorWeights: priorWeights, weights: &weights, responses: &response)
        for i in 0..<n { response[i] -= offset[i] }
        for i in 0..<n where newton {
            let y = design.response[i]
            let observed = family.observedWeight(y, eta: eta[i], link: link, weight: priorWeights[i])
            if observed > 0, observed.isFinite {
                weights[i] = observed
                response[i] = eta[i] + family.score(y, eta: eta[i], link: link, weight: priorWeights[i]) / observed - offset[i]
            }
        }
        if let heldBeta {
            let x = design.fixedEffects.matrix
            for j in heldBeta.indices { for i in 0..<n { response[i] -= x[i, j] * heldBeta[j] } }
        }
        core.reweight(weights: weights, response: response, working: true)
    }

    /// Runs PIRLS at θ from `state` (warm start) until a full step moves no effect by more than
    /// `tolerance` (relative), with β held at `state.beta` when `holdingBeta`.
    /// Leaves `core` factored at the final η's weights (or at the last step's, which differ by at
    /// most `tolerance`), as the Laplace deviance needs. Returns
    /// false when it stopped because the deviance stalled while the effects still moved.
    @discardableResult
    func pirls(
        _ core: inout PenalizedLeastSquares, theta: [Double], state: inout PIRLSState, holdingBeta: Bool,
        tolerance: Double = 1e-10, maximumIterations: Int = 200
    ) throws(MixedModelError) -> Bool {
        let lambdas = thetaLayout.lambdas(theta)
        // The first step from R's starting means has no consistent (β, u) to halve towards; from
        // any other state, η is that of (β, u) at this θ.
        var fromStart = state.u.allSatisfy { $0.allSatisfy { $0 == 0 } } && state.beta.allSatisfy { $0 == 0 } && !holdingBeta
        if holdingBeta, let predicted = predictedModes(core, state: state, theta: theta) { state.u = predicted }
        state.mode = nil
        if !fromStart { state.eta = linearPredictor(beta: state.beta, u: state.u, lambdas: lambdas) }
        var current = penalizedDeviance(eta: state.eta, u: state.u)
        var previousMove = Double.infinity
        // Newton's steps where the link is not canonical; the factor the Laplace deviance reads is
        // then formed once more at the expected information (lme4's convention) unless the model
        // asks for the observed one.
        let newton = link != family.canonicalLink
        /// Reweights and refactors `core` at the current state.
        func refactor(newtonStep: Bool) -> Bool {
            reweight(&core, eta: state.eta, heldBeta: holdingBeta ? state.beta : nil, newton: newtonStep)
            return core.update(theta: theta)
        }
        for iteration in 0..<maximumIterations {
            guard refactor(newtonStep: newton) else { throw .pirlsFailed(message: "the weighted factor is not positive definite at θ = \(theta)") }
            let (newU, solvedBeta) = core.solve()
            let newBeta = holdingBeta ? state.beta : solvedBeta
            // The full step's largest move of an effect (u, and β when free), relative.
            var move = 0.0
            for (old, new) in zip(state.u.joined(), newU.joined()) { move = max(move, abs(new - old) / (1 + abs(new))) }
            for (old, new) in zip(state.beta, newBeta) { move = max(move, abs(new - old) / (1 + abs(new))) }
            // Converged when the full step moves no effect by more than `tolerance`: the penalized
            // deviance is flat to second order well before that, but the Laplace log-determinant
            // depends on û to first order. Newton's steps shrink quadratically down to rounding;
            // a step that is not well below the last small one is at that floor (about 1e-9 on
            // large designs).
            let settled = !fromStart && (move <= tolerance || (previousMove < 1e-6 && move > previousMove / 4))
            previousMove = move
            var step = 1.0
            var accepted = false
            for _ in 0..<30 {
                let beta = fromStart ? newBeta : zip(state.beta, newBeta).map { $0 + step * ($1 - $0) }
                let u = fromStart ? newU : zip(state.u, newU).map { zip($0, $1).map { $0 + step * ($1 - $0) } }
                let eta = linearPredictor(beta: beta, u: u, lambdas: lambdas)
                // A settled step is taken whole, its change of the deviance being rounding, so that
                // deviance is not formed.
                let value = settled ? current : penalizedDeviance(eta: eta, u: u)
                if value.isFinite && (fromStart || settled || value <= current) {
                    // Where the effects run off without end (separation: the deviance tends to a
                    // limit as a coefficient grows), stop once the deviance has stalled.
                    let stalled = iteration >= Self.stallIterations && abs(current - value) <= 1e-10 * (abs(value) + 0.1)
                    state = PIRLSState(beta: beta, u: u, eta: eta)
                    current = value
                    fromStart = false
                    accepted = true
                    if settled || stalled {
                        // Within the tolerance the weights are those of the factor already (with
                        // Fisher scoring); otherwise the factor is brought to the final η, at the
                        // information the Laplace log-determinant takes.
                        if move > tolerance || newton { _ = refactor(newtonStep: newton && information == .observed) }
                        if settled, holdingBeta { state.mode = (theta, state.beta) }
                        return settled
                    }
                    break
                }
                step /= 2
            }
            if !accepted {
                // No step lowers the penalized deviance: the iterate is its minimum to rounding.
                _ = refactor(newtonStep: newton && information == .observed)
                return true
            }
        }
        throw .pirlsFailed(message: "no convergence in \(maximumIterations) iterations at θ = \(theta)")
    }

    /// PIRLS iterations after which a stalled penalized deviance ends the iteration even though the
    /// effects still move (R's `glm.fit` stops on the deviance alone, after at most 25).
    static let stallIterations = 30

    /// The Laplace approximation to −2 log p(y | θ, β): −2 Σᵢ log p(yᵢ | μᵢ) + ‖û‖² +
    /// log det(ΛᵀZᵀWZΛ + I), at PIRLS's û with `core` factored at its weights (lme4's Laplace
    /// deviance, binomial coefficients included).
    func laplaceDeviance(_ core: PenalizedLeastSquares, state: PIRLSState) -> Double {
        var sum = 0.0
        for i in state.eta.indices {
            sum -= 2 * family.logLikelihood(design.response[i], link.mean(state.eta[i]), weight: priorWeights[i])
        }
        for block in state.u { for value in block { sum += value * value } }
        return sum + core.logDeterminantRandom
    }
}
