import Foundation

/// Responses simulated from a saved fit, as lme4's `simulate.merMod`: with the linear predictor
///
///     η* = Xβ̂ + o + Σ_k Z_k u_k,
///
/// u_k drawn afresh for each simulation from N(0, Σ̂_k) per level, Σ̂_k = L Lᵀ built from the
/// term's SDs and correlations (lme4's default, `use.u = FALSE`), or u_k the conditional modes
/// b̂_k (`useModes`, lme4's `use.u = TRUE`), the response is η* + σ̂ ε (ε ~ N(0, 1)) for a linear
/// model, a Poisson count with mean g⁻¹(η*), or a binomial count of successes out of the trials
/// of `cbind(s, f)` (1 for a 0/1 response) with probability g⁻¹(η*). Simulation s draws from
/// ``RandomSource`` stream s of `seed`, so each is reproducible on its own.
extension Predictor {
    /// Why a fit cannot be simulated from.
    public enum SimulationError: Error, Sendable, Equatable, CustomStringConvertible {
        /// Families other than Gaussian, binomial and Poisson are not simulated yet.
        case unsupportedFamily(String)

        public var description: String {
            switch self {
            case .unsupportedFamily(let family):
                "simulating from a \(family) model is not written yet; linear, binomial and Poisson models can be simulated from"
            }
        }
    }

    /// `simulations` responses for the rows of `data` (those with every variable; `rows` gives
    /// their 1-based data rows), one array per simulation.
    public func simulate(
        _ data: DataFrame, options: DesignOptions, simulations: Int, seed: UInt64, useModes: Bool = false
    ) throws -> (rows: [Int], responses: [[Double]]) {
        let family = saved.family ?? "gaussian"
        guard ["gaussian", "binomial", "poisson"].contains(family) else { throw SimulationError.unsupportedFamily(family) }
        let sigma = saved.sigma ?? 0
        let mean = try predict(data, options: options, included: useModes ? .all : .none)
        let design = try NewDataDesign(formula: saved.model?.formula ?? saved.formula, data: data, options: options)
        let factors = useModes ? [] : design.randomEffects.map { term in (term, covarianceFactor(of: term)) }
        let trials = design.trials ?? [Double](repeating: 1, count: mean.count)
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
                switch family {
                case "binomial": Self.binomial(trials: trials[i], probability: inverse.mean(y[i]), using: &streams[s])
                case "poisson": Self.poisson(inverse.mean(y[i]), using: &streams[s])
                default: y[i] + sigma * streams[s].normal()
                }
            }
        }
        return (mean.map(\.row), responses)
    }

    /// A binomial count: the successes of `trials` Bernoulli draws (NaN when the trials are not a count).
    static func binomial(trials: Double, probability p: Double, using random: inout RandomSource) -> Double {
        guard trials >= 0, trials <= 1e7, trials == trials.rounded() else { return .nan }
        var successes = 0.0
        for _ in 0..<Int(trials) where random.bernoulli(p) { successes += 1 }
        return successes
    }

    /// A Poisson count by inversion (sequential search), exact; a mean above 500 is split into
    /// parts of at most 500 whose counts are added (a sum of independent Poisson counts is Poisson).
    static func poisson(_ mean: Double, using random: inout RandomSource) -> Double {
        guard mean.isFinite, mean >= 0 else { return .nan }
        var remaining = mean
        var total = 0.0
        while remaining > 0 {
            let part = min(remaining, 500)
            remaining -= part
            var k = 0.0
            var probability = Foundation.exp(-part)
            var cumulative = probability
            let u = random.uniform()
            while u > cumulative, probability > 0 {
                k += 1
                probability *= part / k
                cumulative += probability
            }
            total += k
        }
        return total
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
