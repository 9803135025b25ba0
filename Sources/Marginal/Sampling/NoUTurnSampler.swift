#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The No-U-Turn sampler with multinomial sampling of the trajectory and the generalized
/// no-U-turn criterion, as Stan implements it (`base_nuts`; Hoffman & Gelman 2014, "The
/// No-U-Turn sampler", JMLR 15; Betancourt 2017, "A conceptual introduction to Hamiltonian
/// Monte Carlo", arXiv:1701.02434, §A.4).
///
/// One transition from q:
/// 1. Draw p ~ N(0, M); H₀ = H(q, p). The trajectory is {(q, p)} with weight e^{H₀−H} = 1.
/// 2. Repeat for depth j = 0, 1, …, maxDepth − 1: pick a direction uniformly and build a new
///    subtree of 2^j leapfrog steps from the corresponding end (``buildTree``). Stop, without
///    using it, if the subtree is invalid (a divergence or a U-turn inside it).
/// 3. Otherwise select the new subtree's proposal with probability min(1, W_new/W_old) — the
///    biased progressive sampling that favours the newer, farther half — and merge weights
///    W ← W_old + W_new (W are sums of e^{H₀−H} over the states).
/// 4. Stop when the merged trajectory U-turns: the generalized criterion
///    p♯₋·ρ > 0 and p♯₊·ρ > 0 must hold for ρ = Σ p over the whole trajectory, p♯ = M⁻¹p at its
///    two ends — and, Stan's extra checks, also across the junction of the old and new halves
///    (ρ of the backward half plus the first momentum of the forward half, and vice versa).
///
/// Divergence: H − H₀ > 1000 at any step. Acceptance statistic (for adaptation): the mean of
/// min(1, e^{H₀−H}) over every leapfrog step taken, including a rejected last subtree.
struct NoUTurnSampler<Density: LogDensity> {
    var hamiltonian: Hamiltonian<Density>
    var stepSize: Double
    var maxDepth: Int
    var random: RandomSource
    /// Energy error beyond which a step counts as divergent (Stan's `max_deltaH_`).
    let maxEnergyError = 1000.0

    /// Running totals over a whole trajectory.
    struct TrajectoryTotals {
        var leapfrogSteps = 0
        var sumAcceptProbability = 0.0
        var divergent = false
    }

    /// One transition from `current` (whose log density and gradient are set). Returns the
    /// selected point (with the momentum it had on the trajectory) and the iteration's statistics.
    mutating func transition(from current: PhaseSpacePoint) -> (PhaseSpacePoint, IterationStatistics) {
        var z = current
        hamiltonian.sampleMomentum(&z, using: &random)

        var forwardEnd = z
        var backwardEnd = z
        var sample = z
        var propose = z

        let p0 = z.momentum
        let pSharp0 = hamiltonian.metric.velocity(p0)
        // Momenta and p♯ at the two ends of the forward and of the backward subtree.
        var pForwardForward = p0, pSharpForwardForward = pSharp0
        var pForwardBackward = p0, pSharpForwardBackward = pSharp0
        var pBackwardForward = p0, pSharpBackwardForward = pSharp0
        var pBackwardBackward = p0, pSharpBackwardBackward = pSharp0

        var rho = p0
        var logSumWeight = 0.0  // log e^{H₀−H₀}
        let h0 = hamiltonian.energy(z)
        var totals = TrajectoryTotals()
        var depth = 0
        let zero = [Double](repeating: 0, count: p0.count)

        while depth < maxDepth {
            var rhoForward = zero
            var rhoBackward = zero
            var logSumWeightSubtree = -Double.infinity
            let valid: Bool
            if random.uniform() > 0.5 {
                z = forwardEnd
                rhoBackward = rho
                pBackwardForward = pForwardForward
                pSharpBackwardForward = pSharpForwardForward
                valid = buildTree(
                    depth: depth, z: &z, propose: &propose,
                    pSharpBegin: &pSharpForwardBackward, pSharpEnd: &pSharpForwardForward,
                    rho: &rhoForward, pBegin: &pForwardBackward, pEnd: &pForwardForward,
                    h0: h0, signedStep: stepSize, logSumWeight: &logSumWeightSubtree, totals: &totals)
                forwardEnd = z
            } else {
                z = backwardEnd
                rhoForward = rho
                pForwardBackward = pBackwardBackward
                pSharpForwardBackward = pSharpBackwardBackward
                valid = buildTree(
                    depth: depth, z: &z, propose: &propose,
                    pSharpBegin: &pSharpBackwardForward, pSharpEnd: &pSharpBackwardBackward,
                    rho: &rhoBackward, pBegin: &pBackwardForward, pEnd: &pBackwardBackward,
                    h0: h0, signedStep: -stepSize, logSumWeight: &logSumWeightSubtree, totals: &totals)
                backwardEnd = z
            }
            guard valid else { break }
            depth += 1

            // Biased progressive sampling: move to the new subtree with probability min(1, W_new/W_old).
            if logSumWeightSubtree > logSumWeight {
                sample = propose
            } else if random.uniform() < exp(logSumWeightSubtree - logSumWeight) {
                sample = propose
            }
            logSumWeight = logSumExp(logSumWeight, logSumWeightSubtree)

            rho = VectorArithmetic.sum(rhoBackward, rhoForward)
            let persist =
                Self.noUTurn(pSharpBackwardBackward, pSharpForwardForward, rho)
                && Self.noUTurn(
                    pSharpBackwardBackward, pSharpForwardBackward,
                    rhoSumOf: rhoBackward, pForwardBackward)
                && Self.noUTurn(
                    pSharpBackwardForward, pSharpForwardForward,
                    rhoSumOf: rhoForward, pBackwardForward)
            guard persist else { break }
        }

        let statistics = IterationStatistics(
            acceptStat: totals.sumAcceptProbability / Double(totals.leapfrogSteps),
            treeDepth: depth,
            leapfrogSteps: totals.leapfrogSteps,
            divergent: totals.divergent,
            energy: hamiltonian.energy(sample),
            logDensity: sample.logDensity,
            stepSize: stepSize)
        return (sample, statistics)
    }

    /// The generalized no-U-turn criterion on a (sub)trajectory with summed momentum ρ and
    /// velocities p♯₋, p♯₊ at its ends: it keeps going while both ends still move along ρ
    /// (Betancourt 2017, §A.4.2).
    @inline(__always)
    static func noUTurn(_ pSharpMinus: [Double], _ pSharpPlus: [Double], _ rho: [Double]) -> Bool {
        VectorArithmetic.dot(pSharpPlus, rho) > 0 && VectorArithmetic.dot(pSharpMinus, rho) > 0
    }

    /// The criterion for ρ = a + b (a subtree's summed momentum extended by one momentum of
    /// its neighbour), without forming the sum.
    @inline(__always)
    static func noUTurn(
        _ pSharpMinus: [Double], _ pSharpPlus: [Double], rhoSumOf a: [Double], _ b: [Double]
    ) -> Bool {
        VectorArithmetic.dot(pSharpPlus, sumOf: a, b) > 0
            && VectorArithmetic.dot(pSharpMinus, sumOf: a, b) > 0
    }
}
