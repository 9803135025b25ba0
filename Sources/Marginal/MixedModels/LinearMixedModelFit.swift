/// The result of fitting a ``LinearMixedModel``: estimates, their uncertainty, the conditional
/// modes of the random effects and a record of the optimization. A value: nothing refers back to
/// the model.
public struct LinearMixedModelFit: Sendable {
    public var criterion: FitCriterion
    public var formula: String
    public var responseName: String
    public var nobs: Int
    /// The minimized objective: the REML criterion, or the deviance −2 log L for ML.
    public var objective: Double
    public var logLikelihood: Double
    public var aic: Double
    public var bic: Double
    /// Number of estimated parameters: p + length(θ) + 1.
    public var degreesOfFreedom: Int
    public var fixedEffects: [FixedEffectEstimate]
    /// Var(β̂) = σ̂² (L_X L_Xᵀ)⁻¹.
    public var fixedEffectsCovariance: Matrix
    /// σ̂, the residual standard deviation.
    public var sigma: Double
    public var theta: [Double]
    public var thetaNames: [String]
    /// One entry per random-effect term as written (lme4's `VarCorr`).
    public var varianceComponents: [VarianceComponent]
    /// One entry per grouping factor (lme4's `ranef`).
    public var randomEffects: [ConditionalModes]
    public var fitted: [Double]
    public var residuals: [Double]
    /// The prior weights, nil for all 1 (the summary's scaled residuals are √wᵢ eᵢ/σ, as lme4's).
    public var weights: [Double]? = nil
    /// True when some λ is rank deficient at the optimum: a variance at zero or a correlation at ±1.
    public var isSingular: Bool
    public var optimization: OptimizationRecord
    public var warnings: [String]
    /// Wall time of the fit (optimization and the final quantities), in seconds.
    public var seconds: Double
    /// Aliased fixed-effect columns that were dropped, and rows dropped for missing values.
    public var aliasedColumns: [String]
    public var droppedRows: Int
    /// How the fixed effects' t tests got their degrees of freedom, nil without tests.
    public var degreesOfFreedomMethod: DegreesOfFreedomMethod? = nil
}

/// The denominator degrees of freedom of a linear model's t and F tests (lmerTest's `ddf`).
public enum DegreesOfFreedomMethod: String, Sendable, Codable, CaseIterable {
    /// Satterthwaite's approximation (``LinearMixedModel/withSatterthwaiteTests(_:)``).
    case satterthwaite = "Satterthwaite"
    /// Kenward–Roger's, with its adjusted covariance of β̂ (``KenwardRoger``).
    case kenwardRoger = "Kenward-Roger"
}

public struct FixedEffectEstimate: Sendable, Equatable {
    public var name: String
    public var estimate: Double
    public var standardError: Double
    /// Denominator degrees of freedom of the t test (Satterthwaite's, where computed).
    public var degreesOfFreedom: Double? = nil
    public var tValue: Double { estimate / standardError }
    /// The two-sided p value of the t test on ``degreesOfFreedom`` (nil without them).
    public var pValue: Double? { degreesOfFreedom.map { StudentT.twoSidedTail(tValue, degreesOfFreedom: $0) } }
}

/// The covariance of one random-effect term: σ̂² λλᵀ, as standard deviations and correlations.
public struct VarianceComponent: Sendable {
    /// The grouping factor, e.g. `Subject`.
    public var group: String
    /// The term's columns, e.g. `(Intercept)`, `Days`.
    public var names: [String]
    public var standardDeviations: [Double]
    /// S × S correlation matrix (the identity for a single column).
    public var correlations: Matrix
    /// glmmTMB's covariance structure of the term (`ar1`), nil for lme4's unstructured term.
    public var structure: CovarianceStructureKind? = nil
    /// The structure's correlation parameters as glmmTMB reports them: `rho` (`ar1`, `cs`),
    /// `rho.lag1`, … (`toep`), `rate` (`ou`), `range` (`exp`, `gau`); empty for the others.
    public var structureParameters: [StructureParameter] = []
    public var variances: [Double] { standardDeviations.map { $0 * $0 } }
}

extension VarianceComponent {
    /// The SDs √Σ_aa and correlations Σ_ab / (sd_a sd_b) of a covariance matrix Σ given by a
    /// factor F (Σ = F Fᵀ; rows `rows` of the column-major `factor` with leading dimension `ld`,
    /// columns 0..<`rank`), each SD multiplied by `scale`: the one map from a covariance factor
    /// to what lme4's `VarCorr` prints. A zero SD gets correlations 0.
    init(group: String, names: [String], factor: [Double], ld: Int, rows: [Int], rank: Int, scale: Double = 1) {
        let m = rows.count
        var covariance = Matrix(rows: m, columns: m)
        for (a, ra) in rows.enumerated() {
            for (b, rb) in rows.enumerated() {
                var sum = 0.0
                for t in 0..<rank { sum += factor[ra + t * ld] * factor[rb + t * ld] }
                covariance[a, b] = sum
            }
        }
        let sds = (0..<m).map { covariance[$0, $0].squareRoot() }
        var correlations = Matrix.identity(m)
        for a in 0..<m {
            for b in 0..<m where a != b {
                let denominator = sds[a] * sds[b]
                correlations[a, b] = denominator > 0 ? covariance[a, b] / denominator : 0
            }
        }
        self.init(group: group, names: names, standardDeviations: sds.map { $0 * scale }, correlations: correlations)
    }
}

/// Conditional modes b̃ = Λ ũ of one grouping factor's random effects (the BLUPs), with their
/// conditional standard deviations sqrt(diag Var(b | y, β̂)).
public struct ConditionalModes: Sendable {
    public var group: String
    public var levels: [String]
    public var names: [String]
    /// ℓ × S.
    public var modes: Matrix
    /// ℓ × S.
    public var conditionalSD: Matrix
}

/// How the optimizer went.
public struct OptimizationRecord: Sendable {
    public struct Evaluation: Sendable {
        public var theta: [Double]
        public var objective: Double
    }
    public var optimizer: String
    public var initialTheta: [Double]
    public var finalTheta: [Double]
    public var evaluations: Int
    /// NLopt's return code, e.g. `FTOL_REACHED`.
    public var message: String
    public var converged: Bool
    /// Every evaluation, in order.
    public var log: [Evaluation]
    /// ∂(criterion)/∂φ at the estimate, φ = c·θ the optimizer's coordinates; nil where the engine
    /// has no gradient (nested blocks) or for EM.
    public var finalGradient: [Double]? = nil
}
