import Foundation

extension PriorVarianceModel {
    /// Empirical Bayes when the noise variance s² is estimated too, as a linear mixed model fit of
    /// `y ~ 0 + (0 + x | g)` with a one-level g does (`marginal compare --methods ml`): maximize the
    /// log marginal likelihood of y ~ N(0, s²I + σ²xxᵀ) over both s² and σ² ≥ 0.
    ///
    /// In the basis of x/‖x‖ and its orthogonal complement, y splits into Sxy/√Sxx with variance
    /// a = s² + σ²Sxx and n − 1 coordinates of variance s² whose squares add to the residual sum of
    /// squares RSS = Syy − Sxy²/Sxx, so
    ///
    ///     −2 log m = n log 2π + (n − 1) log s² + RSS/s² + log a + Sxy²/(Sxx a).
    ///
    /// Unconstrained in (s², a): ŝ² = RSS/(n − 1), â = Sxy²/Sxx = ŵ²Sxx. When â ≥ ŝ² that is
    /// feasible and **σ̂² = ŵ² − ŝ²/Sxx**, the known-s formula max(0, ŵ² − s²/Sxx) with s² replaced
    /// by ŝ², and −2 log m = n log 2π + (n − 1)(1 + log ŝ²) + log â + 1. Otherwise σ̂² = 0 and
    /// ŝ² = Syy/n, −2 log m = n(1 + log(2π Syy/n)).
    public struct NoiseEstimatedEmpiricalBayes: Sendable, Codable, Equatable {
        /// σ̂², the prior variance of w.
        public var sigma2: Double
        /// ŝ, the estimated noise SD.
        public var noiseSD: Double
        /// −2 log m at the maximum (the deviance `marginal compare` reports for ml).
        public var deviance: Double
    }

    /// The joint maximizer over (s², σ²) of the marginal likelihood; nil when y lies in the span
    /// of x (RSS = 0, the likelihood is unbounded) or n < 2.
    public var noiseEstimatedEmpiricalBayes: NoiseEstimatedEmpiricalBayes? {
        guard n >= 2, sxx > 0 else { return nil }
        let rss = syy - sxy * sxy / sxx
        guard rss > 0 else { return nil }
        let noiseVariance = rss / Double(n - 1)
        let along = sxy * sxy / sxx
        let logTwoPi = log(2 * Double.pi)
        if along >= noiseVariance {
            let deviance = Double(n) * logTwoPi + Double(n - 1) * (1 + log(noiseVariance)) + log(along) + 1
            return .init(sigma2: (along - noiseVariance) / sxx, noiseSD: noiseVariance.squareRoot(), deviance: deviance)
        }
        let boundaryVariance = syy / Double(n)
        return .init(sigma2: 0, noiseSD: boundaryVariance.squareRoot(), deviance: Double(n) * (1 + logTwoPi + log(boundaryVariance)))
    }
}
