import Foundation

/// The discrete and gamma deviates that simulating a generalized model's responses needs.
extension RandomSource {
    /// A Gamma(shape α, scale 1) deviate by Marsaglia & Tsang (2000, *ACM TOMS* 26(3)): for α ≥ 1,
    /// d = α − ⅓, c = 1/√(9d), and v = (1 + cx)³ for x standard normal is accepted when
    /// log u < x²/2 + d(1 − v + log v) (with the squeeze u < 1 − 0.0331x⁴ first), giving dv; for
    /// α < 1, a Gamma(α + 1) deviate times u^{1/α}. NaN for α ≤ 0 or not finite.
    public mutating func gamma(shape alpha: Double) -> Double {
        guard alpha > 0, alpha.isFinite else { return .nan }
        if alpha < 1 { return gamma(shape: alpha + 1) * pow(openUniform(), 1 / alpha) }
        let d = alpha - 1.0 / 3
        let c = 1 / (9 * d).squareRoot()
        while true {
            let x = normal()
            let t = 1 + c * x
            guard t > 0 else { continue }
            let v = t * t * t
            let u = openUniform()
            if u < 1 - 0.0331 * x * x * x * x { return d * v }
            if log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
        }
    }

    /// A Poisson(μ) deviate: by multiplying uniforms for μ < 10, and by Hörmann's transformed
    /// rejection with squeeze (PTRS; Hörmann 1993, *Insurance: Math. Econ.* 12) above. NaN for a
    /// negative or non-finite μ.
    public mutating func poisson(mean mu: Double) -> Double {
        guard mu >= 0, mu.isFinite else { return .nan }
        if mu < 10 {
            let limit = exp(-mu)
            var product = uniform()
            var k = 0.0
            while product > limit {
                product *= uniform()
                k += 1
            }
            return k
        }
        let root = mu.squareRoot(), logMean = log(mu)
        let b = 0.931 + 2.53 * root
        let a = -0.059 + 0.02483 * b
        let inverseAlpha = 1.1239 + 1.1328 / (b - 3.4)
        let vr = 0.9277 - 3.6224 / (b - 2)
        while true {
            let u = uniform() - 0.5
            let v = uniform()
            let us = 0.5 - abs(u)
            let k = ((2 * a / us + b) * u + mu + 0.43).rounded(.down)
            if us >= 0.07 && v <= vr { return k }
            if k < 0 || (us < 0.013 && v > us) { continue }
            if log(v) + log(inverseAlpha) - log(a / (us * us) + b) <= -mu + k * logMean - lgamma(k + 1) { return k }
        }
    }

    /// A Binomial(m, p) deviate as the number of m Bernoulli(p) successes (O(m); the trials of the
    /// binomial models Marginal simulates are counts of a unit's trials). NaN for m < 0 or p
    /// outside [0, 1].
    public mutating func binomial(trials m: Int, probability p: Double) -> Double {
        guard m >= 0, p >= 0, p <= 1 else { return .nan }
        var successes = 0
        for _ in 0..<m where bernoulli(p) { successes += 1 }
        return Double(successes)
    }
}
