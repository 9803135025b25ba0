import Foundation

/// The machine-readable form of a ``LinearMixedModelFit`` (`marginal fit --json`).
public struct FitReport: Codable, Sendable {
    public struct FixedEffect: Codable, Sendable {
        public var name: String
        public var estimate: Double
        public var stdError: Double
        public var tValue: Double
        /// The t test's degrees of freedom (by `ddfMethod`) and p value, where computed.
        public var df: Double?
        public var pValue: Double?
    }
    public struct VarianceComponent: Codable, Sendable {
        public var group: String
        public var names: [String]
        public var sd: [Double]
        public var corr: [[Double]]
        /// glmmTMB's structure (`ar1`, `ou`, …) and its correlation parameters (`rho`, `rate`,
        /// `range`, `rho.lag1`, …); absent for lme4's unstructured terms.
        public var structure: CovarianceStructureKind?
        public var parameters: [StructureParameter]?
    }
    public struct RandomEffects: Codable, Sendable {
        public var group: String
        public var names: [String]
        public var levels: [String]
        /// One row per level: the S conditional modes.
        public var modes: [[Double]]
        public var condSD: [[Double]]
    }
    public struct Optimization: Codable, Sendable {
        public var optimizer: String
        public var message: String
        public var initialTheta: [Double]
        /// ∂(criterion)/∂φ at the estimate (φ = θ scaled by the columns' size; null without one).
        public var finalGradient: [Double]?
        /// Every evaluation: θ and the objective.
        public var log: [Evaluation]
    }
    public struct Evaluation: Codable, Sendable {
        public var theta: [Double]
        public var objective: Double
    }

    public var formula: String
    public var criterion: String
    public var objective: Double
    public var logLik: Double
    public var aic: Double
    public var bic: Double
    public var nobs: Int
    public var droppedRows: Int
    public var fixef: [FixedEffect]
    /// `Satterthwaite` or `Kenward-Roger`: how `fixef`'s degrees of freedom were computed.
    public var ddfMethod: DegreesOfFreedomMethod?
    public var vcov: [[Double]]
    public var aliased: [String]
    public var sigma: Double
    public var theta: [Double]
    public var thetaNames: [String]
    public var varcomp: [VarianceComponent]
    public var ranef: [RandomEffects]
    public var converged: Bool
    public var singular: Bool
    public var evaluations: Int
    public var seconds: Double
    public var warnings: [String]
    public var optimization: Optimization
    /// The data and options the fit was made from (set by `marginal fit`; nil from the library).
    public var model: ModelSource?
    /// Bootstrap confidence intervals, when asked for (`--confint boot`).
    public var confint: BootstrapIntervals?
    /// Profile-likelihood intervals, when asked for (`--confint profile`).
    public var profile: IntervalTable?
    /// Wald intervals of the fixed effects, when asked for (`--confint wald`).
    public var wald: IntervalTable?
    /// Predictions on new data, when asked for (`marginal fit --predict`).
    public var predictions: [Predictor.Prediction]?

    public init(_ fit: LinearMixedModelFit) {
        formula = fit.formula
        criterion = fit.criterion.rawValue
        objective = fit.objective
        logLik = fit.logLikelihood
        aic = fit.aic
        bic = fit.bic
        nobs = fit.nobs
        droppedRows = fit.droppedRows
        fixef = fit.fixedEffects.map {
            .init(name: $0.name, estimate: $0.estimate, stdError: $0.standardError, tValue: $0.tValue, df: $0.degreesOfFreedom, pValue: $0.pValue)
        }
        ddfMethod = fit.degreesOfFreedomMethod
        vcov = fit.fixedEffectsCovariance.rowArrays
        aliased = fit.aliasedColumns
        sigma = fit.sigma
        theta = fit.theta
        thetaNames = fit.thetaNames
        varcomp = fit.varianceComponents.map(VarianceComponent.init)
        ranef = fit.randomEffects.map(RandomEffects.init)
        converged = fit.optimization.converged
        singular = fit.isSingular
        evaluations = fit.optimization.evaluations
        seconds = fit.seconds
        warnings = fit.warnings
        optimization = .init(
            optimizer: fit.optimization.optimizer, message: fit.optimization.message,
            initialTheta: fit.optimization.initialTheta, finalGradient: fit.optimization.finalGradient,
            log: fit.optimization.log.map { .init(theta: $0.theta, objective: $0.objective) })
    }

    /// Pretty-printed JSON with sorted keys. Non-finite numbers (which a successful fit does not
    /// produce) are written as strings rather than failing.
    public func json() throws -> String {
        try JSONOutput.encode(self)
    }
}

extension FitReport.VarianceComponent {
    /// A term's SDs and correlation matrix (row by row).
    init(_ component: VarianceComponent) {
        self.init(
            group: component.group, names: component.names, sd: component.standardDeviations, corr: component.correlations.rowArrays,
            structure: component.structure, parameters: component.structure == nil ? nil : component.structureParameters)
    }
}

extension FitReport.RandomEffects {
    /// A grouping factor's conditional modes and SDs, one row per level.
    init(_ modes: ConditionalModes) {
        self.init(group: modes.group, names: modes.names, levels: modes.levels, modes: modes.modes.rowArrays, condSD: modes.conditionalSD.rowArrays)
    }
}

extension Matrix {
    /// The rows as arrays, the form JSON reports a matrix in.
    var rowArrays: [[Double]] { (0..<rows).map { i in (0..<columns).map { self[i, $0] } } }
}
