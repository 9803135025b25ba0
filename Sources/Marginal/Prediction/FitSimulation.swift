/// Responses simulated from a saved linear mixed model, as lme4's `simulate.merMod`:
///
///     y* = Xβ̂ + o + Σ_k Z_k u_k + σ̂ ε,   ε ~ N(0, I),
///
/// with u_k drawn afresh for each simulation from N(0, Σ̂_k) per level, Σ̂_k = L Lᵀ built from the
/// term's SDs and correlations (lme4's default, `use.u = FALSE`), or with u_k the conditional modes
/// b̂_k (`useModes`, lme4's `use.u = TRUE`). Simulation s draws from ``RandomSource`` stream s of
/// `seed`, so each is reproducible on its own.
extension Predictor {
    /// Why a fit cannot be simulated from.
    public enum SimulationError: Error, Sendable, Equatable, CustomStringConvertible {
        /// Generalized models are not simulated yet.
        case generalized(family: String)

        public var description: String {
            switch self {
            case .generalized(let family):
                "simulating from a \(family) model is not written yet; only linear mixed models can be simulated from"
            }
        }
    }

    /// `simulations` responses for the rows of `data` (those with every variable; `rows` gives
    /// their 1-based data rows), one array per simulation.
    public func simulate(
        _ data: DataFrame, options: DesignOptions, simulations: Int, seed: UInt64, useModes: Bool = false
    ) throws -> (rows: [Int], responses: [[Double]]) {
        if let family = saved.family { throw SimulationError.generalized(family: family) }
        let sigma = saved.sigma ?? 0
        let mean = try predict(data, options: options, included: useModes ? .all : .none)
        let design = useModes ? nil : try NewDataDesign(formula: saved.model?.formula ?? saved.formula, data: data, options: options)
        let factors = (design?.randomEffects ?? []).map { term in (term, covarianceFactor(of: term)) }
        var streams = RandomSource.streams(seed: seed, count: simulations)
        let responses = (0..<simulations).map { s in
            var y = mean.map(\.fit)
            for (term, factor) in factors {
                let s0 = term.dimension
                // One draw of the S effects of each level: u = L z.
                let effects = (0..<term.levelCount).map { _ in
                    let z = (0..<s0).map { _ in streams[s].normal() }
                    return (0..<s0).map { a in (0...a).reduce(0.0) { $0 + factor[a + $1 * s0] * z[$1] } }
                }
                for i in y.indices where term.codes[i] >= 0 {
                    let u = effects[Int(term.codes[i])]
                    for c in 0..<s0 { y[i] += term.z[c, i] * u[c] }
                }
            }
            return y.map { $0 + sigma * streams[s].normal() }
        }
        return (mean.map(\.row), responses)
    }

    /// The lower Cholesky factor (column-major, S × S) of the term's covariance Σ̂; zero when the
    /// saved fit has no variance component for it.
    private func covarianceFactor(of term: RandomEffectTerm) -> [Double] {
        let s = term.dimension
        guard let covariance = saved.component(of: term)?.covariance else { return [Double](repeating: 0, count: s * s) }
        var a = (0..<s).flatMap { j in (0..<s).map { i in covariance[i][j] } }
        let positive = a.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.map { SmallMatrix.choleskyLower($0, size: s, pivots: .semidefinite(1e-12)) } ?? false
        }
        return positive ? a : [Double](repeating: 0, count: s * s)
    }
}
