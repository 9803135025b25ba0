import Foundation

/// Responses simulated from a saved fit, as lme4's `simulate.merMod`: with the linear predictor
///
///     η* = Xβ̂ + o + Σ_k Z_k u_k,
///
/// u_k drawn afresh for each simulation from N(0, Σ̂_k) per level, Σ̂_k = L Lᵀ built from the
/// term's SDs and correlations (lme4's default, `use.u = FALSE`), or u_k the conditional modes
/// b̂_k (`useModes`, lme4's `use.u = TRUE`), the response is η* + σ̂ ε (ε ~ N(0, 1)) for a linear
/// model, or for a generalized one a draw from its family at μ = g⁻¹(η*) with the row's prior
/// weight (``ResponseFamily/simulate(mean:weight:random:)``, R's `family()$simulate`): a Poisson
/// count; a negative binomial count with the fitted shape k (mean μ, variance μ + μ²/k); a Gamma
/// deviate with the fitted dispersion φ (mean μ, variance φμ²/w); a binomial count of successes out
/// of the trials of `cbind(s, f)`, or with `--weights` giving the trials the proportion of
/// successes (as R's `binomial()$simulate`), or 0/1. Simulation s draws from ``RandomSource``
/// stream s of `seed`, so each is reproducible on its own.
extension Predictor {
    /// Why a fit cannot be simulated from.
    public enum SimulationError: Error, Sendable, Equatable, CustomStringConvertible {
        /// A family this version does not know.
        case unsupportedFamily(String)
        /// A negative binomial or Gamma fit saved without its dispersion parameter.
        case missingDispersion(String)

        public var description: String {
            switch self {
            case .unsupportedFamily(let family):
                "simulating from a \(family) model is not written; gaussian, binomial, poisson, negative-binomial and gamma models can be simulated from"
            case .missingDispersion(let family):
                "the \(family) fit has no 'dispersion' (its shape or dispersion parameter): fit it again with marginal fit --json"
            }
        }
    }

    /// `simulations` responses for the rows of `data` (those with every variable; `rows` gives
    /// their 1-based data rows), one array per simulation.
    public func simulate(
        _ data: DataFrame, options: DesignOptions, simulations: Int, seed: UInt64, useModes: Bool = false
    ) throws -> (rows: [Int], responses: [[Double]]) {
        var family: (any ResponseFamily)? = nil
        if let name = saved.family {
            guard let known = ResponseFamilies.named(name) else { throw SimulationError.unsupportedFamily(name) }
            if known.dispersion != nil {
                guard let dispersion = saved.dispersion else { throw SimulationError.missingDispersion(name) }
                family = known.withDispersion(dispersion)
            } else {
                family = known
            }
        }
        let sigma = saved.sigma ?? 0
        let mean = try predict(data, options: options, included: useModes ? .all : .none)
        let design = try NewDataDesign(formula: saved.model?.formula ?? saved.formula, data: data, options: options)
        let factors = useModes ? [] : design.randomEffects.map { term in (term, covarianceFactor(of: term)) }
        // The prior weight of each row (the binomial trials), and for cbind(s, f) the counts' scale.
        let counts = design.trials
        let weights = counts ?? design.weights ?? [Double](repeating: 1, count: mean.count)
        let inverse = link ?? .identity
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
            return y.indices.map { i in
                guard let family else { return y[i] + sigma * streams[s].normal() }
                guard weights[i].isFinite, weights[i] > 0 else { return .nan }
                let draw = family.simulate(mean: inverse.mean(y[i]), weight: weights[i], random: &streams[s])
                return counts.map { (draw * $0[i]).rounded() } ?? draw
            }
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
