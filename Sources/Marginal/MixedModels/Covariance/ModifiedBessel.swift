import Foundation

/// The modified Bessel function of the second kind K_ν(x) for real order ν ≥ 0 and x > 0, which
/// the Matérn correlation needs at any smoothness.
///
/// With ν = n + μ, n the nearest integer and |μ| ≤ ½, K_μ and K_μ₊₁ come from Temme's series
/// for x ≤ 2 (N. M. Temme 1975, "On the numerical evaluation of the modified Bessel function of
/// the third kind", *J. Comput. Phys.* 19) and from Steed's continued fraction CF2 for x > 2
/// (Thompson & Barnett 1987, *J. Comput. Phys.* 64; the scheme of Press et al., *Numerical
/// Recipes*, §6.7), then K_{ν+1} = (2ν/x) K_ν + K_{ν−1} upward, which is stable for K.
enum ModifiedBessel {
    /// The largest order computed (the upward recurrence takes ν steps); the Matérn correlation is
    /// indistinguishable from its squared-exponential limit long before.
    static let maximumOrder = 1_000.0

    /// (K_ν(x), K_{ν+1}(x)); NaN outside 0 ≤ ν ≤ ``maximumOrder``, 0 < x < ∞ (an optimizer's
    /// excursion, which the caller treats as a failed evaluation).
    static func secondKind(order nu: Double, _ x: Double) -> (value: Double, next: Double) {
        guard nu >= 0, nu <= maximumOrder, x > 0, x.isFinite else { return (.nan, .nan) }
        let n = Int((nu + 0.5).rounded(.down))
        let mu = nu - Double(n)
        var (k, kNext) = x <= 2 ? temme(mu, x) : steed(mu, x)
        for step in 0..<n {
            (k, kNext) = (kNext, 2 * (mu + Double(step) + 1) / x * kNext + k)
        }
        return (k, kNext)
    }

    /// Temme's series for (K_μ, K_μ₊₁), |μ| ≤ ½, 0 < x ≤ 2: with c_k = (x²/4)^k / k!,
    /// K_μ = Σ c_k f_k and K_μ₊₁ = (2/x) Σ c_k (p_k − k f_k), where f_k, p_k, q_k follow
    /// f_k = (k f_{k−1} + p_{k−1} + q_{k−1})/(k² − μ²), p_k = p_{k−1}/(k − μ), q_k = q_{k−1}/(k + μ),
    /// from f₀ = (μπ/sin μπ)[cosh(σ) Γ₁(μ) + (sinh σ/σ) ln(2/x) Γ₂(μ)], σ = μ ln(2/x),
    /// p₀ = ½ (x/2)^−μ Γ(1 + μ), q₀ = ½ (x/2)^μ Γ(1 − μ).
    private static func temme(_ mu: Double, _ x: Double) -> (Double, Double) {
        let half = x / 2
        let logTwoOverX = -Foundation.log(half)
        let sigma = mu * logTwoOverX
        let piMu = Double.pi * mu
        let factor = abs(piMu) < 1e-12 ? 1 : piMu / Foundation.sin(piMu)
        let sinhRatio = abs(sigma) < 1e-12 ? 1 : Foundation.sinh(sigma) / sigma
        let (gamma1, gamma2, reciprocalPlus, reciprocalMinus) = gammaTerms(mu)
        var f = factor * (gamma1 * Foundation.cosh(sigma) + gamma2 * sinhRatio * logTwoOverX)
        var p = 0.5 * Foundation.exp(sigma) / reciprocalPlus
        var q = 0.5 / (Foundation.exp(sigma) * reciprocalMinus)
        var c = 1.0
        let quarter = half * half
        var sum = f, sumNext = p
        for i in 1...500 {
            let k = Double(i)
            f = (k * f + p + q) / (k * k - mu * mu)
            c *= quarter / k
            p /= k - mu
            q /= k + mu
            let term = c * f
            sum += term
            sumNext += c * (p - k * f)
            if abs(term) < abs(sum) * 1e-16 { break }
        }
        return (sum, sumNext / half)
    }

    /// Γ₁(μ) = (1/Γ(1 − μ) − 1/Γ(1 + μ))/(2μ), Γ₂(μ) = (1/Γ(1 − μ) + 1/Γ(1 + μ))/2, 1/Γ(1 + μ) and
    /// 1/Γ(1 − μ); Γ₁ by its Taylor series near 0 (from 1/Γ(z)'s, Abramowitz & Stegun 6.1.34),
    /// where the difference cancels.
    private static func gammaTerms(_ mu: Double) -> (Double, Double, Double, Double) {
        let plus = 1 / Foundation.tgamma(1 + mu), minus = 1 / Foundation.tgamma(1 - mu)
        let m2 = mu * mu
        let gamma1 = abs(mu) < 1e-3
            ? -(0.5772156649015329 + m2 * (-0.0420026350340952 + m2 * (-0.0421977345555443 + m2 * 0.0072189432466630)))
            : (minus - plus) / (2 * mu)
        return (gamma1, (minus + plus) / 2, plus, minus)
    }

    /// Steed's continued fraction for (K_μ, K_μ₊₁), |μ| ≤ ½, x > 2.
    private static func steed(_ mu: Double, _ x: Double) -> (Double, Double) {
        var b = 2 * (1 + x)
        var d = 1 / b
        var h = d, delta = d
        var q1 = 0.0, q2 = 1.0
        let a1 = 0.25 - mu * mu
        var q = a1, c = a1, a = -a1
        var s = 1 + q * delta
        for i in 1...10_000 {
            let k = Double(i)
            a -= 2 * k
            c = -a * c / (k + 1)
            let next = (q1 - b * q2) / a
            q1 = q2
            q2 = next
            q += c * next
            b += 2
            d = 1 / (b + a * d)
            delta = (b * d - 1) * delta
            h += delta
            let term = q * delta
            s += term
            if abs(term / s) < 1e-16 { break }
        }
        let k = (Double.pi / (2 * x)).squareRoot() * Foundation.exp(-x) / s
        return (k, k * (mu + x + 0.5 - a1 * h) / x)
    }
}
