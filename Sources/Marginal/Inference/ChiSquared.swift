import Foundation

/// The χ² distribution's upper tail, for likelihood-ratio tests.
public enum ChiSquared {
    /// P(X > x) for X ~ χ²_k: the regularized upper incomplete gamma function Q(k/2, x/2),
    /// by its series where x/2 < k/2 + 1 and by Lentz's continued fraction elsewhere (Press et
    /// al. 2007, *Numerical Recipes*, 3rd ed., §6.2), to about 1e-14 relative. NaN for k ≤ 0 or
    /// x NaN; 1 for x ≤ 0, 0 for x = ∞.
    public static func upperTail(_ x: Double, degreesOfFreedom k: Double) -> Double {
        guard k > 0, !x.isNaN else { return .nan }
        guard x > 0 else { return 1 }
        guard x.isFinite else { return 0 }
        let a = k / 2, y = x / 2
        let logPrefactor = a * log(y) - y - lgamma(a)
        if y < a + 1 {
            // P(a, y) = e^{−y} y^a / Γ(a) · Σₙ yⁿ / (a (a+1) ⋯ (a+n)).
            var term = 1 / a, sum = term, denominator = a
            for _ in 0..<10_000 {
                denominator += 1
                term *= y / denominator
                sum += term
                if abs(term) < abs(sum) * 1e-17 { break }
            }
            return max(0, 1 - exp(logPrefactor) * sum)
        }
        // Q(a, y) = e^{−y} y^a / Γ(a) · 1/(y + 1 − a − 1·(1 − a)/(y + 3 − a − ⋯)).
        let tiny = 1e-300
        var b = y + 1 - a, c = 1 / tiny, d = 1 / b, h = d
        for i in 1..<10_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return exp(logPrefactor) * h
    }
}
