import Foundation

/// A fitted generalized linear mixed model, as `summary(glmer(...))` reports it.
public struct GeneralizedLinearMixedModelFit: Sendable {
    public var formula: String
    public var family: String
    public var link: Link
    /// Adaptive Gauss–Hermite points per random effect (K^S nodes per level for a term of S
    /// columns): 1 is the Laplace approximation.
    public var nAGQ: Int
    public var nobs: Int
    /// −2 log L by the Laplace approximation (or, with nAGQ > 1, by adaptive quadrature),
    /// binomial coefficients and log y! included (lme4's
    /// `deviance`-like objective; `logLik` = −objective/2).
    public var objective: Double
    public var logLikelihood: Double { -objective / 2 }
    /// The family's estimated dispersion (the negative binomial's shape k), nil for binomial and Poisson.
    public var dispersion: Double?
    /// Parameters: p fixed effects, the θ elements and an estimated dispersion.
    public var degreesOfFreedom: Int
    public var aic: Double { objective + 2 * Double(degreesOfFreedom) }
    public var bic: Double { objective + Double(degreesOfFreedom) * Foundation.log(Double(nobs)) }
    public var residualDegreesOfFreedom: Int { nobs - degreesOfFreedom }
    /// Σᵢ wᵢ d(yᵢ, μ̂ᵢ), the conditional deviance at the modes (R's `deviance(fit)` for a GLMM is the
    /// objective; this is the sum of the squared deviance residuals).
    public var residualDeviance: Double
    /// β̂ with standard errors from the Hessian of the objective in (θ, β) (lme4's `use.hessian`).
    public var fixedEffects: [FixedEffectEstimate]
    /// Cov β̂ (p × p; NaN when the Hessian was not positive definite).
    public var fixedEffectsCovariance: Matrix
    public var theta: [Double]
    public var thetaNames: [String]
    /// SDs and correlations of each term: λλᵀ (no dispersion for binomial and Poisson).
    public var varianceComponents: [VarianceComponent]
    /// Each grouping factor and its number of levels.
    public var levelCounts: [(group: String, levels: Int)]
    /// The conditional modes b̂ = λû per level and their conditional SDs (from the Laplace
    /// approximation's curvature, as lme4's `ranef(condVar = TRUE)`).
    public var randomEffects: [ConditionalModes]
    /// η̂ (with the offset) and μ̂ = g⁻¹(η̂) per row, at the conditional modes.
    public var linearPredictor: [Double]
    public var fitted: [Double]
    /// (yᵢ − μ̂ᵢ)/√(V(μ̂ᵢ)/wᵢ) and sign(yᵢ − μ̂ᵢ)√(wᵢ d(yᵢ, μ̂ᵢ)).
    public var pearsonResiduals: [Double]
    public var devianceResiduals: [Double]
    /// How each stage searched (``GeneralizedLinearMixedModel/fit(nAGQ:progress:)``): BOBYQA over θ
    /// with β by PIRLS, then over (θ, β); or, on the exact gradient, θ from the working model of
    /// penalized quasi-likelihood, then quasi-Newton and Newton steps over (θ, β).
    public var optimizer: String
    /// Objective evaluations in the two stages (β by PIRLS, then θ and β together).
    public var evaluations: (firstStage: Int, secondStage: Int)
    public var converged: Bool
    public var isSingular: Bool
    public var warnings: [String]
    public var seconds: Double
}
