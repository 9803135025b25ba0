/// A point (q, p) of phase space together with log p(q) and ∇ log p(q) at its position, so
/// that neither is recomputed when the point is revisited (Stan's `ps_point`, which stores the
/// potential V = −log p and its gradient instead).
struct PhaseSpacePoint: Equatable {
    var position: [Double]
    var momentum: [Double]
    var logDensity: Double
    var gradient: [Double]

    init(position: [Double]) {
        self.position = position
        momentum = [Double](repeating: 0, count: position.count)
        logDensity = -.infinity
        gradient = [Double](repeating: 0, count: position.count)
    }
}
