#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension NoUTurnSampler {
    /// Builds a subtree of 2^depth leapfrog steps from `z` in the direction of `signedStep`,
    /// recursively as two subtrees of half the depth (Stan's `build_tree`). Returns whether the
    /// subtree is valid: no divergence and no U-turn in it or in any of its sub-subtrees.
    ///
    /// On return `z` is the last state reached, `propose` the state sampled from the subtree,
    /// `rho` has the subtree's momenta added, `pBegin`/`pEnd` and `pSharpBegin`/`pSharpEnd` are
    /// the momenta and velocities at its first and last states (in integration order), and
    /// `logSumWeight` has the subtree's log Σe^{H₀−H} merged in.
    ///
    /// Within a subtree the proposal is sampled uniformly in proportion to weight: the second
    /// half's proposal replaces the first's with probability W₂/(W₁ + W₂). Each merge demands
    /// the no-U-turn criterion over the merged subtree and across the junction of its halves.
    mutating func buildTree(
        depth: Int, z: inout PhaseSpacePoint, propose: inout PhaseSpacePoint,
        pSharpBegin: inout [Double], pSharpEnd: inout [Double], rho: inout [Double],
        pBegin: inout [Double], pEnd: inout [Double], h0: Double, signedStep: Double,
        logSumWeight: inout Double, totals: inout TrajectoryTotals
    ) -> Bool {
        if depth == 0 {
            hamiltonian.leapfrog(&z, stepSize: signedStep)
            totals.leapfrogSteps += 1
            var h = hamiltonian.energy(z)
            if h.isNaN { h = .infinity }
            if h - h0 > maxEnergyError { totals.divergent = true }
            logSumWeight = logSumExp(logSumWeight, h0 - h)
            totals.sumAcceptProbability += h0 - h > 0 ? 1 : exp(h0 - h)
            propose = z
            pSharpBegin = hamiltonian.metric.velocity(z.momentum)
            pSharpEnd = pSharpBegin
            VectorArithmetic.add(z.momentum, to: &rho)
            pBegin = z.momentum
            pEnd = z.momentum
            return !totals.divergent
        }

        let zero = [Double](repeating: 0, count: rho.count)

        // First half.
        var logSumWeightInit = -Double.infinity
        var pInitEnd = zero
        var pSharpInitEnd = zero
        var rhoInit = zero
        let validInit = buildTree(
            depth: depth - 1, z: &z, propose: &propose,
            pSharpBegin: &pSharpBegin, pSharpEnd: &pSharpInitEnd, rho: &rhoInit,
            pBegin: &pBegin, pEnd: &pInitEnd, h0: h0, signedStep: signedStep,
            logSumWeight: &logSumWeightInit, totals: &totals)
        guard validInit else { return false }

        // Second half.
        var proposeFinal = z
        var logSumWeightFinal = -Double.infinity
        var pFinalBegin = zero
        var pSharpFinalBegin = zero
        var rhoFinal = zero
        let validFinal = buildTree(
            depth: depth - 1, z: &z, propose: &proposeFinal,
            pSharpBegin: &pSharpFinalBegin, pSharpEnd: &pSharpEnd, rho: &rhoFinal,
            pBegin: &pFinalBegin, pEnd: &pEnd, h0: h0, signedStep: signedStep,
            logSumWeight: &logSumWeightFinal, totals: &totals)
        guard validFinal else { return false }

        // Multinomial sample between the halves.
        let logSumWeightSubtree = logSumExp(logSumWeightInit, logSumWeightFinal)
        logSumWeight = logSumExp(logSumWeight, logSumWeightSubtree)
        if logSumWeightFinal > logSumWeightSubtree {
            propose = proposeFinal
        } else if random.uniform() < exp(logSumWeightFinal - logSumWeightSubtree) {
            propose = proposeFinal
        }

        let rhoSubtree = VectorArithmetic.sum(rhoInit, rhoFinal)
        VectorArithmetic.add(rhoSubtree, to: &rho)

        return Self.noUTurn(pSharpBegin, pSharpEnd, rhoSubtree)
            && Self.noUTurn(pSharpBegin, pSharpFinalBegin, rhoSumOf: rhoInit, pFinalBegin)
            && Self.noUTurn(pSharpInitEnd, pSharpEnd, rhoSumOf: rhoFinal, pInitEnd)
    }
}
