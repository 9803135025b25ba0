/// The level terms of an integrated-out class with one column (random intercepts), in scalars:
/// Woodbury and the determinant lemma with m_j = σ² + t² g_j (g_j = Σ z² over the level's rows,
/// h_j = Σ z r), the solution w_j = t h_j / m_j and the mean v_j = t w_j. Accumulates log Π m_j,
/// Σ t h_j w_j, Σ w_j² and, for the gradient, Σ 1/m_j and
/// ∂ℓ/∂t = Σ_j (h_j − g_j v_j) w_j / σ² − g_j t / m_j.
/// Shared by ``OneClassMarginalizedDensity``'s level pass and the fused row pass
/// (OneClassRowPasses.swift).
struct ScalarClassLevels {
    let t: Double
    let variance: Double
    let precision: Double
    let adjoints: Bool
    var determinant = LogProductAccumulator()
    var quadratic = 0.0
    var solutionSquares = 0.0
    var traceInverse = 0.0
    var factorAdjoint = 0.0

    init(classFactor t: Double, sigma: Double, adjoints: Bool) {
        self.t = t
        variance = sigma * sigma
        precision = 1 / variance
        self.adjoints = adjoints
    }

    /// Adds level j; returns v_j and m_j, or nil when m_j is not positive and finite.
    @inline(__always)
    mutating func add(gram g: Double, sum h: Double) -> (mean: Double, m: Double)? {
        let m = variance + t * t * g
        guard m > 0, m.isFinite else { return nil }
        determinant.multiply(by: m)
        let inverse = 1 / m
        let c = t * h
        let solution = c * inverse
        let v = t * solution
        quadratic += c * solution
        solutionSquares += solution * solution
        if adjoints {
            traceInverse += inverse
            factorAdjoint += (h - g * v) * precision * solution - g * t * inverse
        }
        return (v, m)
    }
}
