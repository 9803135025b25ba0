/// What one NUTS iteration reports (Stan's sampler diagnostics `accept_stat__`, `treedepth__`,
/// `n_leapfrog__`, `divergent__`, `energy__`, `lp__`, `stepsize__`).
public struct IterationStatistics: Sendable, Equatable {
    /// Mean over all leapfrog steps of the trajectory of min(1, exp(H₀ − H)), the statistic
    /// step-size adaptation steers towards the target acceptance.
    public var acceptStat: Double
    /// Number of tree doublings accepted (the trajectory has 2^depth + … steps in total).
    public var treeDepth: Int
    /// Leapfrog steps taken, including those of a rejected last subtree.
    public var leapfrogSteps: Int
    /// Whether the energy error H − H₀ exceeded 1000 somewhere on the trajectory.
    public var divergent: Bool
    /// Hamiltonian H = −log p(q) + ½pᵀM⁻¹p at the selected point.
    public var energy: Double
    /// log p(q) at the selected point (up to the density's constant).
    public var logDensity: Double
    /// Step size used in the iteration.
    public var stepSize: Double

    public init(
        acceptStat: Double, treeDepth: Int, leapfrogSteps: Int, divergent: Bool, energy: Double,
        logDensity: Double, stepSize: Double
    ) {
        self.acceptStat = acceptStat
        self.treeDepth = treeDepth
        self.leapfrogSteps = leapfrogSteps
        self.divergent = divergent
        self.energy = energy
        self.logDensity = logDensity
        self.stepSize = stepSize
    }
}
