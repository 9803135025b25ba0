/// The Hamiltonian H(q, p) = −log p(q) + K(p) of a log density and a Euclidean metric, with the
/// evaluations HMC needs (Betancourt 2017, §4–5). Owns its copy of the density, so each chain
/// keeps its own workspace, and counts the gradient evaluations it makes.
struct Hamiltonian<Density: LogDensity> {
    var density: Density
    var metric: EuclideanMetric
    private(set) var gradientEvaluations = 0
    /// Scratch space for Σp in ``leapfrog(_:stepSize:)``.
    private var velocity: [Double]

    init(density: Density, metric: EuclideanMetric) {
        self.density = density
        self.metric = metric
        velocity = [Double](repeating: 0, count: metric.dimension)
    }

    var dimension: Int { density.dimension }

    /// Sets log p and ∇ log p at `point.position`. A position with a non-finite coordinate is not
    /// passed to the density; NaN or +∞ log densities and non-finite gradients are reported as
    /// log p = −∞ (zero density), so that the sampler rejects the point and flags the
    /// trajectory as divergent instead of propagating NaN. So is a gradient that the density
    /// resized, against the protocol's contract.
    mutating func evaluate(_ point: inout PhaseSpacePoint) {
        guard point.position.allSatisfy(\.isFinite) else {
            point.logDensity = -.infinity
            return
        }
        gradientEvaluations += 1
        let value = density.logDensity(at: point.position, gradient: &point.gradient)
        guard point.gradient.count == point.position.count else {
            point.gradient = [Double](repeating: 0, count: point.position.count)
            point.logDensity = -.infinity
            return
        }
        if value.isNaN || value == .infinity || !point.gradient.allSatisfy(\.isFinite) {
            point.logDensity = -.infinity
        } else {
            point.logDensity = value
        }
    }

    /// H(q, p); +∞ where the density is zero.
    func energy(_ point: PhaseSpacePoint) -> Double {
        guard point.logDensity > -.infinity else { return .infinity }
        return -point.logDensity + metric.kineticEnergy(point.momentum)
    }

    /// One leapfrog (Störmer–Verlet) step of signed size ε, the symplectic, reversible, volume-
    /// preserving integrator of Hamilton's equations (Betancourt 2017, §5.1; Stan's
    /// `expl_leapfrog`):
    /// p ← p + (ε/2)∇log p(q);  q ← q + εΣp;  p ← p + (ε/2)∇log p(q).
    /// After a step into a point of zero density the gradient is not used.
    mutating func leapfrog(_ point: inout PhaseSpacePoint, stepSize epsilon: Double) {
        let d = dimension
        let half = 0.5 * epsilon
        for i in 0..<d { point.momentum[i] += half * point.gradient[i] }
        if velocity.count != d { velocity = [Double](repeating: 0, count: d) }
        metric.velocity(point.momentum, into: &velocity)
        for i in 0..<d { point.position[i] += epsilon * velocity[i] }
        evaluate(&point)
        guard point.logDensity > -.infinity else { return }
        for i in 0..<d { point.momentum[i] += half * point.gradient[i] }
    }

    /// Replaces the momentum of `point` by a draw from N(0, M).
    func sampleMomentum(_ point: inout PhaseSpacePoint, using random: inout RandomSource) {
        metric.sampleMomentum(into: &point.momentum, using: &random)
    }
}
