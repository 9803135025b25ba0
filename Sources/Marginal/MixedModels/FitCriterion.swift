import Foundation

/// The criterion a linear mixed model is fitted by.
public enum FitCriterion: String, Sendable, Codable {
    /// Maximum likelihood: minimize the deviance −2 log L.
    case ml = "ML"
    /// Restricted (residual) maximum likelihood: minimize the REML criterion, which accounts for
    /// the p degrees of freedom spent on β (Patterson & Thompson 1971).
    case reml = "REML"

    /// The profiled objective from the pieces of the blocked Cholesky factor
    /// (Bates et al. 2015, eqs. 34 and 41):
    ///
    ///     ML:   d(θ)   = log|L_θ|² + n [1 + log(2π r²_θ / n)] − Σᵢ log wᵢ
    ///     REML: d_R(θ) = log|L_θ|² + log|L_X|² + (n − p) [1 + log(2π r²_θ / (n − p))] − Σᵢ log wᵢ
    ///
    /// With prior weights (Var yᵢ = σ²/wᵢ) the factor is that of √W[Z X y], and the density of y
    /// gains ½ Σᵢ log wᵢ, as lme4's deviance includes it.
    func objective(logDetRandom: Double, logDetFixed: Double, pwrss: Double, n: Int, p: Int, logWeightSum: Double) -> Double {
        switch self {
        case .ml:
            let nd = Double(n)
            return logDetRandom + nd * (1 + log(2 * Double.pi * pwrss / nd)) - logWeightSum
        case .reml:
            let dof = Double(n - p)
            return logDetRandom + logDetFixed + dof * (1 + log(2 * Double.pi * pwrss / dof)) - logWeightSum
        }
    }

    /// The residual degrees of freedom σ̂² divides r² by: n (ML) or n − p (REML).
    func residualDegreesOfFreedom(n: Int, p: Int) -> Int { self == .ml ? n : n - p }
}
