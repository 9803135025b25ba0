import Foundation

extension GeneralizedLinearMixedModelFit {
    /// A summary in the layout of lme4's `summary(glmer(...))`: family and link, AIC, BIC,
    /// logLik, deviance (−2 logLik, as lme4 prints it), df.resid, random effects, fixed effects
    /// with z and p values and their correlations, and any warnings.
    public func summary(dataName: String? = nil) -> String {
        var out: [String] = []
        out.append("Generalized linear mixed model fit by maximum likelihood (\(nAGQ == 1 ? "Laplace Approximation" : "Adaptive Gauss-Hermite Quadrature, nAGQ = \(nAGQ)"))")
        out.append(" Family: \(family)\(dispersion.map { "(\(NumberFormat.significant($0, 4)))" } ?? "")  ( \(link.rawValue) )")
        out.append("Formula: \(formula)")
        if let dataName { out.append("   Data: \(dataName)") }
        out.append("")
        out.append(TextTable(
            header: ["AIC", "BIC", "logLik", "deviance", "df.resid"],
            rows: [[NumberFormat.fixed(aic, 1), NumberFormat.fixed(bic, 1), NumberFormat.fixed(logLikelihood, 1),
                    NumberFormat.fixed(objective, 1), "\(residualDegreesOfFreedom)"]],
            leftAligned: []).render(indent: "  "))
        out.append("")
        out.append("Scaled residuals:")
        out.append(SummaryTables.quantiles(pearsonResiduals.filter(\.isFinite)))
        out.append("")
        out.append("Random effects:")
        out.append(SummaryTables.randomEffects(varianceComponents, residualSD: nil))
        out.append("Number of obs: \(nobs), groups:  " + levelCounts.map { "\($0.group), \($0.levels)" }.joined(separator: "; "))
        if let dispersion { out.append("Dispersion parameter for \(family) family (shape k): \(NumberFormat.significant(dispersion, 5))") }
        out.append("")
        out.append(fixedEffects.isEmpty ? "Fixed effects: none" : "Fixed effects:")
        if !fixedEffects.isEmpty {
            let estimates = NumberFormat.column(fixedEffects.map(\.estimate), digits: 6)
            let errors = NumberFormat.column(fixedEffects.map(\.standardError))
            out.append(TextTable(
                header: ["", "Estimate", "Std. Error", "z value", "Pr(>|z|)"],
                rows: fixedEffects.indices.map { j in
                    let z = fixedEffects[j].tValue
                    return [fixedEffects[j].name, estimates[j], errors[j], NumberFormat.fixed(z, 3), NumberFormat.significant(Self.pValue(z), 3)]
                }
            ).render())
        }
        if fixedEffects.count > 1 {
            out.append("")
            out.append("Correlation of Fixed Effects:")
            out.append(SummaryTables.correlations(names: fixedEffects.map(\.name), covariance: fixedEffectsCovariance))
        }
        out.append("")
        out.append("Optimizer: \(optimizer) (NLopt); \(evaluations.firstStage) + \(evaluations.secondStage) evaluations, \(NumberFormat.significant(seconds, 3)) s")
        for warning in warnings { out.append("Warning: \(warning)") }
        return out.joined(separator: "\n")
    }

    /// Two-sided p value of a z statistic, 2Φ(−|z|).
    static func pValue(_ z: Double) -> Double { erfc(abs(z) / 2.0.squareRoot()) }
}

/// The machine-readable form of a ``GeneralizedLinearMixedModelFit`` (`marginal fit --family … --json`):
/// the keys of `marginal fit --json` that apply, with z instead of t, plus `family`, `link`, `nAGQ`,
/// `dispersion` (the negative binomial's shape k; null for binomial and Poisson), `deviance` and `dfResid`.
public struct GeneralizedFitReport: Codable, Sendable {
    public struct FixedEffect: Codable, Sendable {
        public var name: String
        public var estimate: Double
        public var stdError: Double
        public var zValue: Double
        public var pValue: Double
    }

    public var formula: String
    public var family: String
    public var link: String
    public var nAGQ: Int
    @NullWhenAbsent public var dispersion: Double?
    public var objective: Double
    public var logLik: Double
    public var aic: Double
    public var bic: Double
    public var deviance: Double
    public var dfResid: Int
    public var nobs: Int
    public var fixef: [FixedEffect]
    public var vcov: [[Double]]
    public var theta: [Double]
    public var thetaNames: [String]
    public var varcomp: [FitReport.VarianceComponent]
    public var ranef: [FitReport.RandomEffects]
    /// Per row: η̂, μ̂, Pearson and deviance residuals.
    public var linearPredictor: [Double]
    public var fitted: [Double]
    public var pearsonResiduals: [Double]
    public var devianceResiduals: [Double]
    public var converged: Bool
    public var singular: Bool
    public var optimizer: String
    public var evaluations: Int
    public var seconds: Double
    public var warnings: [String]
    /// The data and options the fit was made from (set by `marginal fit`; nil from the library).
    public var model: ModelSource?
    /// Parametric-bootstrap intervals (`--confint boot`), nil otherwise.
    public var confint: BootstrapIntervals?
    /// Profile-likelihood intervals (`--confint profile`), nil otherwise.
    public var profile: IntervalTable?
    /// Wald intervals of the fixed effects (`--confint wald`), nil otherwise.
    public var wald: IntervalTable?
    /// Predictions on new data, when asked for (`marginal fit --predict`).
    public var predictions: [Predictor.Prediction]?

    public init(_ fit: GeneralizedLinearMixedModelFit) {
        formula = fit.formula
        family = fit.family
        link = fit.link.rawValue
        nAGQ = fit.nAGQ
        dispersion = fit.dispersion
        objective = fit.objective
        logLik = fit.logLikelihood
        aic = fit.aic
        bic = fit.bic
        deviance = fit.objective
        dfResid = fit.residualDegreesOfFreedom
        nobs = fit.nobs
        fixef = fit.fixedEffects.map {
            .init(name: $0.name, estimate: $0.estimate, stdError: $0.standardError, zValue: $0.tValue,
                  pValue: GeneralizedLinearMixedModelFit.pValue($0.tValue))
        }
        vcov = fit.fixedEffectsCovariance.rowArrays
        theta = fit.theta
        thetaNames = fit.thetaNames
        varcomp = fit.varianceComponents.map(FitReport.VarianceComponent.init)
        ranef = fit.randomEffects.map(FitReport.RandomEffects.init)
        linearPredictor = fit.linearPredictor
        fitted = fit.fitted
        pearsonResiduals = fit.pearsonResiduals
        devianceResiduals = fit.devianceResiduals
        converged = fit.converged
        singular = fit.isSingular
        optimizer = fit.optimizer
        evaluations = fit.evaluations.firstStage + fit.evaluations.secondStage
        seconds = fit.seconds
        warnings = fit.warnings
    }

    /// Pretty-printed JSON with sorted keys; non-finite numbers as strings.
    public func json() throws -> String { try JSONOutput.encode(self) }
}
