import Foundation

/// One-dimensional Bayesian linear regression y = w x + ε, ε ~ N(0, s²) with s known, and the
/// prior w ~ N(0, σ²), summarized by Sxx = Σx², Sxy = Σxy, Syy = Σy². With ŵ = Sxy/Sxx and
/// v = Var(ŵ) = s²/Sxx:
///
/// **Joint log density** in (w, ρ = log σ²), flat prior on ρ:
///
///     ℓ(w, ρ) = −(n/2) log 2πs² − (Syy − 2wSxy + w²Sxx)/(2s²) − ½ log 2π − ρ/2 − w² e^{−ρ}/2
///     ∂ℓ/∂w = (Sxy − wSxx)/s² − w e^{−ρ},      ∂ℓ/∂ρ = −½ + w² e^{−ρ}/2
///     ∂²ℓ/∂w² = −Sxx/s² − e^{−ρ},  ∂²ℓ/∂w∂ρ = w e^{−ρ},  ∂²ℓ/∂ρ² = −w² e^{−ρ}/2
///
/// ∂ℓ/∂ρ = 0 gives σ² = w²; then ∂ℓ/∂w = 0 gives Sxx w² − Sxy w + s² = 0, i.e.
/// w = (ŵ ± √(ŵ² − 4v))/2. So there is **no stationary point** when ŵ² < 4v and **two** when
/// ŵ² > 4v. There det H = ½(1/v − 1/w²), and the roots' product is v: the root with w² < v
/// is a **saddle** (det H < 0) and the other a **local maximum** (det H > 0, trace < 0). Along
/// σ² = w², w → 0, ℓ = const − (Syy − 2wSxy + w²Sxx)/(2s²) − log|w| − ½ → +∞: the joint density
/// is unbounded, so it has **no (global) maximum** whatever the data, and the local maximum,
/// when it exists, is not the answer either.
///
/// **Marginal likelihood** (empirical Bayes), w integrated out: y ~ N(0, s²I + σ² xxᵀ), and by
/// the matrix determinant lemma and Sherman–Morrison
///
///     log m(σ²) = −(n/2) log 2πs² − ½ log(1 + σ²Sxx/s²) − (Syy − σ²Sxy²/(s² + σ²Sxx))/(2s²),
///
/// which is, up to a constant, the log density of ŵ ~ N(0, v + σ²): −½ log(v + σ²) − ŵ²/(2(v + σ²)).
/// Its exact maximizer over σ² ≥ 0 is therefore **σ̂² = max(0, ŵ² − v)** (the variance of ŵ
/// minus its sampling variance; the same as the method-of-moments estimate).
public struct PriorVarianceModel: Sendable, Codable, Equatable {
    public var n: Int
    /// s, the known noise SD.
    public var noiseSD: Double
    public var sxx: Double
    public var sxy: Double
    public var syy: Double

    public init(x: [Double], y: [Double], noiseSD: Double) {
        n = min(x.count, y.count)
        self.noiseSD = noiseSD
        var sxx = 0.0, sxy = 0.0, syy = 0.0
        for i in 0..<n {
            sxx += x[i] * x[i]
            sxy += x[i] * y[i]
            syy += y[i] * y[i]
        }
        self.sxx = sxx
        self.sxy = sxy
        self.syy = syy
    }

    var s2: Double { noiseSD * noiseSD }
    /// ŵ, the least-squares estimate.
    public var wHat: Double { sxy / sxx }
    /// v = Var(ŵ) = s²/Sxx.
    public var wHatVariance: Double { s2 / sxx }

    /// ℓ(w, ρ), ρ = log σ².
    public func jointLogDensity(w: Double, logSigma2 rho: Double) -> Double {
        -0.5 * Double(n) * log(2 * Double.pi * s2) - (syy - 2 * w * sxy + w * w * sxx) / (2 * s2)
            - 0.5 * log(2 * Double.pi) - rho / 2 - w * w * exp(-rho) / 2
    }

    /// ∇ℓ(w, ρ) as [∂/∂w, ∂/∂ρ].
    public func jointGradient(w: Double, logSigma2 rho: Double) -> [Double] {
        [(sxy - w * sxx) / s2 - w * exp(-rho), -0.5 + w * w * exp(-rho) / 2]
    }

    /// The Hessian of ℓ(w, ρ), row-major 2 × 2.
    public func jointHessian(w: Double, logSigma2 rho: Double) -> [[Double]] {
        let e = exp(-rho)
        return [[-sxx / s2 - e, w * e], [w * e, -w * w * e / 2]]
    }

    /// The stationary points of ℓ: w = (ŵ ± √(ŵ² − 4v))/2 with σ² = w², smaller |w| first;
    /// none when ŵ² < 4v.
    public var stationaryWeights: [Double] {
        let discriminant = sxy * sxy - 4 * sxx * s2
        guard discriminant > 0 else { return [] }
        let root = discriminant.squareRoot()
        // The larger-magnitude root directly, the other from the product s²/Sxx (no cancellation).
        let large = (sxy + (sxy >= 0 ? root : -root)) / (2 * sxx)
        return [s2 / (sxx * large), large]
    }

    /// log m(σ²), the log marginal likelihood with w integrated out.
    public func logMarginalLikelihood(sigma2: Double) -> Double {
        -0.5 * Double(n) * log(2 * Double.pi * s2) - 0.5 * log1p(sigma2 * sxx / s2)
            - (syy - sigma2 * sxy * sxy / (s2 + sigma2 * sxx)) / (2 * s2)
    }

    /// d log m / dσ².
    public func logMarginalLikelihoodDerivative(sigma2: Double) -> Double {
        let denominator = s2 + sigma2 * sxx
        return -0.5 * sxx / denominator + sxy * sxy / (2 * denominator * denominator)
    }

    /// The empirical-Bayes estimate σ̂² = max(0, ŵ² − v).
    public var empiricalBayesSigma2: Double { max(0, wHat * wHat - wHatVariance) }
}

/// The eigenvalues of a symmetric 2 × 2 matrix [[a, b], [b, c]], smaller first.
func symmetricEigenvalues(_ m: [[Double]]) -> [Double] {
    let a = m[0][0], b = m[0][1], c = m[1][1]
    let mean = (a + c) / 2
    let radius = (((a - c) / 2) * ((a - c) / 2) + b * b).squareRoot()
    return [mean - radius, mean + radius]
}
