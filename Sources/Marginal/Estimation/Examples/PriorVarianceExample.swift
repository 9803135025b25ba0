import Foundation

/// Learning a prior variance: simulate y = w x + ε (x ~ N(0, 1), ε ~ N(0, s²)) with a fixed w,
/// put the prior w ~ N(0, σ²) on it, and compare the ways of choosing σ² (see
/// ``PriorVarianceModel`` for the formulas):
///
/// - joint maximization over (w, log σ²): the stationary points with their Hessians (a saddle
///   and, with informative data, a local maximum) and the joint log density along w = σ → 0
///   (w = ±10⁻¹ … ±10⁻¹⁶),
///   where it grows without bound: there is no maximum;
/// - empirical Bayes: the closed form σ̂² = max(0, ŵ² − Var ŵ), and a numerical maximization of
///   the log marginal likelihood over log σ² with ``LBFGSMinimizer`` as a check;
/// - K-fold cross-validation of the log predictive density (``PredictiveCrossValidation``).
///
/// ``simulatedData()`` gives the same data as a one-level mixed model (``formula``) for
/// `marginal compare`, whose ML column is empirical Bayes with s estimated too.
///
/// σ² has no "true" value here (w is fixed); a sensible σ² is of the order of w².
public struct PriorVarianceExample: Sendable {
    public var observations: Int
    /// The w that generates the data.
    public var w: Double
    /// s, the known noise SD.
    public var noiseSD: Double
    public var folds: Int
    public var seed: UInt64

    public init(observations: Int = 20, w: Double = 1, noiseSD: Double = 1, folds: Int = 5, seed: UInt64 = 1) {
        self.observations = observations
        self.w = w
        self.noiseSD = noiseSD
        self.folds = folds
        self.seed = seed
    }

    /// What the example reports (`marginal example prior-variance --json`).
    public struct Result: Sendable, Codable {
        public struct StationaryPoint: Sendable, Codable {
            public var w: Double
            public var sigma2: Double
            public var logSigma2: Double
            public var logDensity: Double
            /// The gradient there (zero up to rounding).
            public var gradient: [Double]
            /// Hessian of the joint log density in (w, log σ²), row-major.
            public var hessian: [[Double]]
            public var hessianEigenvalues: [Double]
            /// "saddle", "local maximum", "local minimum" or "degenerate".
            public var kind: String
        }
        public struct PathPoint: Sendable, Codable {
            /// w = σ on the path.
            public var w: Double
            public var logDensity: Double
        }
        public struct EmpiricalBayes: Sendable, Codable {
            /// max(0, ŵ² − Var ŵ).
            public var closedForm: Double
            /// The L-BFGS maximizer of log m over log σ² ∈ [−30, 30], as σ².
            public var numerical: Double
            public var numericalEvaluations: Int
            public var logMarginalLikelihood: Double
            /// Empirical Bayes with the noise SD estimated too, as `marginal compare` fits
            /// ``PriorVarianceExample/formula`` (nil when y lies in the span of x).
            public var noiseEstimated: PriorVarianceModel.NoiseEstimatedEmpiricalBayes?
        }
        public struct CrossValidation: Sendable, Codable {
            public var folds: Int
            public var sigma2: Double
            /// The cross-validated log predictive density at the maximizer.
            public var score: Double
        }
        public var model: PriorVarianceModel
        public var trueW: Double
        public var seed: UInt64
        public var wHat: Double
        public var wHatVariance: Double
        public var stationaryPoints: [StationaryPoint]
        public var path: [PathPoint]
        public var empiricalBayes: EmpiricalBayes
        public var crossValidation: CrossValidation
    }

    /// The path w = σ = ±10⁻ᵏ (sign of ŵ) for these k: far enough (10⁻¹⁶) that the joint log
    /// density, which grows like −log|w|, passes any local maximum for moderate data.
    static let pathExponents = [1, 2, 3, 4, 6, 8, 10, 12, 14, 16]

    /// Checks the settings.
    public func validate() throws(EstimationError) {
        guard observations >= 2 else { throw .invalidOption(name: "observations", value: "\(observations)", requirement: "at least 2") }
        guard w.isFinite else { throw .invalidOption(name: "w", value: "\(w)", requirement: "a finite number") }
        guard noiseSD.isFinite, noiseSD > 0 else { throw .invalidOption(name: "noiseSD", value: "\(noiseSD)", requirement: "a positive finite number") }
        guard folds >= 2, folds <= observations else {
            throw .invalidOption(name: "folds", value: "\(folds)", requirement: "between 2 and the number of observations (\(observations))")
        }
    }

    public func run() throws(EstimationError) -> Result {
        try validate()
        var random = RandomSource(seed: seed)
        let (x, y) = simulate(&random)
        let model = PriorVarianceModel(x: x, y: y, noiseSD: noiseSD)
        guard model.sxx > 0 else { throw .invalidOption(name: "x", value: "all zero", requirement: "not all zero") }

        let stationary = model.stationaryWeights.map { weight in
            let rho = log(weight * weight)
            let hessian = model.jointHessian(w: weight, logSigma2: rho)
            let eigenvalues = symmetricEigenvalues(hessian)
            let kind = eigenvalues[0] < 0 && eigenvalues[1] > 0 ? "saddle"
                : eigenvalues[1] < 0 ? "local maximum" : eigenvalues[0] > 0 ? "local minimum" : "degenerate"
            return Result.StationaryPoint(
                w: weight, sigma2: weight * weight, logSigma2: rho, logDensity: model.jointLogDensity(w: weight, logSigma2: rho),
                gradient: model.jointGradient(w: weight, logSigma2: rho), hessian: hessian, hessianEigenvalues: eigenvalues, kind: kind)
        }
        let sign = model.wHat >= 0 ? 1.0 : -1.0
        let path = Self.pathExponents.map { k -> Result.PathPoint in
            let t = sign * pow(10, -Double(k))
            return .init(w: t, logDensity: model.jointLogDensity(w: t, logSigma2: log(t * t)))
        }

        // Empirical Bayes, numerically: minimize −log m over ρ = log σ² (d/dρ = σ² d/dσ²).
        var minimizer = LBFGSMinimizer(lowerBounds: [-30], upperBounds: [30])
        minimizer.relativeObjectiveTolerance = 1e-15
        minimizer.relativeParameterTolerance = 1e-12
        let start = log(max(model.wHat * model.wHat, 1e-6))
        let numeric = minimizer.minimize(start: [start]) { point, gradient in
            let sigma2 = exp(point[0])
            gradient[0] = -sigma2 * model.logMarginalLikelihoodDerivative(sigma2: sigma2)
            return -model.logMarginalLikelihood(sigma2: sigma2)
        }
        let closedForm = model.empiricalBayesSigma2
        let empiricalBayes = Result.EmpiricalBayes(
            closedForm: closedForm, numerical: exp(numeric.minimizer[0]), numericalEvaluations: numeric.evaluations,
            logMarginalLikelihood: model.logMarginalLikelihood(sigma2: closedForm),
            noiseEstimated: model.noiseEstimatedEmpiricalBayes)

        let validation = PredictiveCrossValidation(x: x, y: y, noiseSD: noiseSD, folds: folds, random: &random)
        let best = validation.maximize()
        return Result(
            model: model, trueW: w, seed: seed, wHat: model.wHat, wHatVariance: model.wHatVariance,
            stationaryPoints: stationary, path: path, empiricalBayes: empiricalBayes,
            crossValidation: .init(folds: folds, sigma2: exp(best.logSigma2), score: best.score))
    }
}
