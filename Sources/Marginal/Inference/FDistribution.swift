import Foundation

/// Snedecor's F distribution's upper tail, for F tests with fractional denominator degrees of
/// freedom (Satterthwaite's, Kenward–Roger's).
public enum FDistribution {
    /// P(F > f) for F ~ F(d₁, d₂): the regularized incomplete beta function I_{d₂/(d₂ + d₁f)}(d₂/2, d₁/2)
    /// (Abramowitz & Stegun 26.6.2). NaN for non-positive degrees of freedom or a NaN f.
    public static func upperTail(_ f: Double, numeratorDegreesOfFreedom d1: Double, denominatorDegreesOfFreedom d2: Double) -> Double {
        guard d1 > 0, d2 > 0, !f.isNaN else { return .nan }
        guard f > 0 else { return 1 }
        guard f.isFinite else { return 0 }
        return StudentT.regularizedBeta(d2 / (d2 + d1 * f), d2 / 2, d1 / 2)
    }
}
