extension Hamiltonian {
    /// The starting point of a chain (Stan's `services::util::initialize`): the given point if
    /// any — which must have a finite log density and gradient — or else the first of up to
    /// `attempts` points drawn uniformly from (−radius, radius)ᵈ with a finite log density and
    /// gradient. With radius 0 the origin is tried once.
    mutating func initialPoint(
        given: [Double]?, radius: Double, attempts: Int, chain: Int, random: inout RandomSource
    ) throws(SamplingError) -> PhaseSpacePoint {
        if let given {
            var point = PhaseSpacePoint(position: given)
            evaluate(&point)
            guard point.logDensity > -.infinity else { throw .nonFiniteInitialPoint(chain: chain) }
            return point
        }
        let tries = radius > 0 ? attempts : 1
        for _ in 0..<tries {
            var position = [Double](repeating: 0, count: dimension)
            if radius > 0 {
                for i in 0..<dimension { position[i] = radius * (2 * random.uniform() - 1) }
            }
            var point = PhaseSpacePoint(position: position)
            evaluate(&point)
            if point.logDensity > -.infinity { return point }
        }
        throw .initializationFailed(chain: chain, attempts: tries, radius: radius)
    }
}
