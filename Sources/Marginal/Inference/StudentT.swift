import Foundation

/// Student's t distribution's two-sided tail, for t tests with (possibly fractional) degrees of freedom.
public enum StudentT {
    /// P(|T| > |t|) for T ~ t_ν: the regularized incomplete beta function I_{ν/(ν+t²)}(ν/2, ½)
    /// (Abramowitz & Stegun 26.5.27, 26.7.1). NaN for ν ≤ 0 or a NaN t.
    public static func twoSidedTail(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        guard nu > 0, !t.isNaN else { return .nan }
        guard t.isFinite else { return 0 }
        return regularizedBeta(nu / (nu + t * t), nu / 2, 0.5)
    }

    /// I_x(a, b) by the continued fraction of Press et al. (2007, *Numerical Recipes*, 3rd ed.,
    /// §6.4, modified Lentz), applied directly for x < (a + 1)/(a + b + 2) and through
    /// I_x(a, b) = 1 − I_{1−x}(b, a) otherwise, so that it converges quickly.
    static func regularizedBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
        guard x > 0 else { return 0 }
        guard x < 1 else { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        if x < (a + 1) / (a + b + 2) { return exp(logFront) * continuedFraction(x, a, b) / a }
        return 1 - exp(logFront) * continuedFraction(1 - x, b, a) / b
    }

    private static func continuedFraction(_ x: Double, _ a: Double, _ b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1..<10_000 {
            let m = Double(m)
            let even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + even * d
            if abs(d) < tiny { d = tiny }
            c = 1 + even / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            let odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + odd * d
            if abs(d) < tiny { d = tiny }
            c = 1 + odd / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return h
    }
}
