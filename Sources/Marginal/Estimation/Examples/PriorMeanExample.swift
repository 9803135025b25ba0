import Foundation

/// Hyperparameters in the prior mean: a two-level model whose group effects have a regression
/// on group-level covariates W (think genetic scores) as their prior mean,
///
///     y_ij = u_j + ε_ij,   u_j ~ N(μ + W_j γ, τ²),   ε_ij ~ N(0, σ²),
///
/// with γ the scientific target. As a linear mixed model it is `y ~ 1 + w1 + … + wK + (1 | g)`:
/// μ and γ are fixed effects of group-level covariates. The example simulates it with known γ
/// (γ_k ~ N(0, `gammaSD`²), seeded) and estimates γ
///
/// - by ML and REML (τ estimated; the random effects integrated out);
/// - by joint MAP over (μ, γ, u, σ) with τ held at its true value (with τ free joint MAP has no
///   maximum), in the *centered* form (u free; ``JointMAPParameterization/hierarchical``: μ and γ
///   enter only u's prior, so the likelihood gives them no gradient at all) and the
///   *non-centered* form (u = μ + Wγ + τ z), each by Adam for a fixed budget and by L-BFGS to
///   convergence, all from μ = γ = 0, u = 0;
/// - by NUTS on the marginalized model (τ free; posterior means).
///
/// With τ held, the joint objective is concave in (μ, γ, u) for each σ, and its maximizer in
/// (μ, γ) is the generalized least squares estimate (Henderson's mixed-model equations), so both
/// forms converge to the same point and γ̂ is not attenuated there. What differs is the path: in
/// the centered form γ learns only through u, so a fixed budget stops it short. The report gives,
/// per method, the slope of γ̂ on the true γ (1 = no attenuation), and for joint MAP the gradient
/// flow (``GradientFlow``).
public struct PriorMeanExample: Sendable {
    public var groups: Int
    public var perGroup: Int
    public var covariates: Int
    public var gammaSD: Double
    public var intercept: Double
    public var tau: Double
    public var sigma: Double
    public var seed: UInt64
    /// Adam's fixed budget and step for the two joint MAP runs with a budget.
    public var adamBudget: Int
    public var adamLearningRate: Double
    /// NUTS budget; no NUTS run when `nutsChains` is 0.
    public var nutsChains: Int
    public var nutsWarmup: Int
    public var nutsDraws: Int

    public init(
        groups: Int = 200, perGroup: Int = 4, covariates: Int = 10, gammaSD: Double = 0.5, intercept: Double = 1,
        tau: Double = 1, sigma: Double = 2, seed: UInt64 = 1, adamBudget: Int = 200, adamLearningRate: Double = 0.02,
        nutsChains: Int = 2, nutsWarmup: Int = 300, nutsDraws: Int = 300
    ) {
        self.groups = groups
        self.perGroup = perGroup
        self.covariates = covariates
        self.gammaSD = gammaSD
        self.intercept = intercept
        self.tau = tau
        self.sigma = sigma
        self.seed = seed
        self.adamBudget = adamBudget
        self.adamLearningRate = adamLearningRate
        self.nutsChains = nutsChains
        self.nutsWarmup = nutsWarmup
        self.nutsDraws = nutsDraws
    }

    /// The model formula for the simulated data.
    public var formula: String {
        "y ~ 1 + " + (1...max(covariates, 1)).map { "w\($0)" }.joined(separator: " + ") + " + (1 | g)"
    }

    /// The simulated data (columns y, g, w1…wK; the w's constant within groups) and the true γ.
    public func simulate() throws(EstimationError) -> (data: DataFrame, gamma: [Double]) {
        try validate()
        let streams = RandomSource.streams(seed: seed, count: 4)
        var truth = streams[0], design = streams[1], effects = streams[2], noise = streams[3]
        let gamma = (0..<covariates).map { _ in gammaSD * truth.normal() }
        let w = (0..<groups).map { _ in (0..<covariates).map { _ in design.normal() } }
        let u = (0..<groups).map { j in
            intercept + zip(w[j], gamma).reduce(0) { $0 + $1.0 * $1.1 } + tau * effects.normal()
        }
        let n = groups * perGroup
        var y = [Double](repeating: 0, count: n)
        var codes = [Int32](repeating: 0, count: n)
        for j in 0..<groups {
            for i in 0..<perGroup {
                y[j * perGroup + i] = u[j] + sigma * noise.normal()
                codes[j * perGroup + i] = Int32(j)
            }
        }
        var columns: [(String, Column)] = [("y", .numeric(NumericColumn(y)))]
        columns.append(("g", .categorical(CategoricalColumn(codes: codes, levels: (1...groups).map(String.init)))))
        for k in 0..<covariates {
            columns.append(("w\(k + 1)", .numeric(NumericColumn((0..<n).map { w[$0 / perGroup][k] }))))
        }
        do {
            return (try DataFrame(columns), gamma)
        } catch {
            throw .invalidOption(name: "data", value: "\(error)", requirement: "a consistent data frame")
        }
    }

    /// What the example reports (`marginal example prior-mean --json`).
    public struct Result: Sendable, Codable {
        public struct Truth: Sendable, Codable {
            public var intercept: Double
            public var gamma: [Double]
            public var tau: Double
            public var sigma: Double
        }
        public struct Fit: Sendable, Codable {
            /// `ML`, `REML`, `joint MAP centered, Adam (budget 200)`, …, `NUTS`.
            public var method: String
            public var intercept: Double
            public var gamma: [Double]
            /// The least-squares slope of γ̂_k on γ_k (1: no attenuation) and its standard error
            /// from the sampling SEs of γ̂ (ML/REML; posterior SDs for NUTS), when known.
            public var slope: Double
            public var slopeStandardError: Double?
            public var tau: Double
            public var sigma: Double
            public var objective: Double?
            public var iterations: Int?
            public var converged: Bool?
            public var gradientFlow: GradientFlow?
            public var seconds: Double
        }
        public var truth: Truth
        public var formula: String
        public var groups: Int
        public var perGroup: Int
        public var fits: [Fit]
    }

    public func run() throws(EstimationError) -> Result {
        let (data, gamma) = try simulate()
        let model: LinearMixedModel
        do { model = try LinearMixedModel(formula: formula, data: data) } catch {
            throw .invalidOption(name: "model", value: "\(error)", requirement: "a model that can be fitted")
        }
        var fits: [Result.Fit] = []
        for criterion in [FitCriterion.ml, .reml] {
            let fit: LinearMixedModelFit
            do { fit = try model.fit(criterion: criterion) } catch { throw .startingFitFailed(error.description) }
            let estimates = fit.fixedEffects.map(\.estimate)
            let errors = fit.fixedEffects.map(\.standardError)
            fits.append(summary(
                method: criterion == .ml ? "ML" : "REML", truth: gamma, beta: estimates, standardErrors: errors,
                tau: fit.varianceComponents[0].standardDeviations[0], sigma: fit.sigma, objective: fit.objective,
                iterations: fit.optimization.evaluations, converged: fit.optimization.converged, flow: nil, seconds: fit.seconds))
        }
        // Joint MAP from μ = γ = 0, u = 0, log σ = log sd(y), τ held at its true value.
        let layout = MixedModelParameterization(model: model)
        var start = [Double](repeating: 0, count: layout.dimension)
        start[layout.sigmaCoordinate] = log(LinearMixedModel.standardDeviation(model.design.response))
        start[layout.sigmaCoordinate + 1] = log(tau)
        let effects = [Double](repeating: 0, count: groups)
        let optimizers: [(String, JointMAPOptions.Optimizer)] = [
            ("Adam (budget \(adamBudget))", .adam(learningRate: adamLearningRate, stopping: .budget(iterations: adamBudget))),
            ("L-BFGS", .lbfgs(maximumEvaluations: 20_000)),
        ]
        for (name, optimizer) in optimizers {
            for form in [JointMAPParameterization.hierarchical, .nonCentered] {
                let fit = try model.fitJointMAP(JointMAPOptions(
                    parameterization: form, optimizer: optimizer, fixed: ["sd[g][(Intercept)]": tau],
                    start: .point(globals: start, randomEffects: effects)))
                fits.append(summary(
                    method: "joint MAP \(form == .hierarchical ? "centered" : "non-centered"), \(name)", truth: gamma,
                    beta: fit.estimates.beta, standardErrors: nil, tau: fit.estimates.varianceComponents[0].standardDeviations[0],
                    sigma: fit.estimates.sigma ?? .nan, objective: fit.objective, iterations: fit.iterations, converged: fit.converged,
                    flow: fit.gradientFlow, seconds: fit.seconds))
            }
        }
        if nutsChains > 0 {
            let posterior: (estimates: GlobalEstimates, seconds: Double, warnings: [String], intervals: [BootstrapIntervals.Interval])
            do {
                posterior = try model.posteriorMeans(settings: ComparisonSettings(chains: nutsChains, warmup: nutsWarmup, draws: nutsDraws, seed: seed))
            } catch let error as EstimationError {
                throw error
            } catch {
                throw .invalidOption(name: "NUTS", value: "\(error)", requirement: "a run that succeeds")
            }
            fits.append(summary(
                method: "NUTS (posterior means)", truth: gamma, beta: posterior.estimates.beta,
                standardErrors: posterior.estimates.betaStandardErrors, tau: posterior.estimates.varianceComponents[0].standardDeviations[0],
                sigma: posterior.estimates.sigma ?? .nan, objective: nil, iterations: nil, converged: nil, flow: nil, seconds: posterior.seconds))
        }
        return Result(
            truth: .init(intercept: intercept, gamma: gamma, tau: tau, sigma: sigma), formula: formula,
            groups: groups, perGroup: perGroup, fits: fits)
    }

    /// One fit's row: β = (μ, γ₁…γ_K).
    private func summary(
        method: String, truth: [Double], beta: [Double], standardErrors: [Double]?, tau: Double, sigma: Double,
        objective: Double?, iterations: Int?, converged: Bool?, flow: GradientFlow?, seconds: Double
    ) -> Result.Fit {
        let estimate = Array(beta.dropFirst())
        let (slope, slopeSE) = Self.slope(of: estimate, on: truth, standardErrors: standardErrors.map { Array($0.dropFirst()) })
        return Result.Fit(
            method: method, intercept: beta.first ?? .nan, gamma: estimate, slope: slope, slopeStandardError: slopeSE,
            tau: tau, sigma: sigma, objective: objective, iterations: iterations, converged: converged, gradientFlow: flow, seconds: seconds)
    }

    /// The least-squares slope b = Σ(γ_k − γ̄) γ̂_k / Σ(γ_k − γ̄)² and, given independent sampling
    /// SEs s_k of the γ̂_k, its SE √(Σ(γ_k − γ̄)² s_k²) / Σ(γ_k − γ̄)².
    static func slope(of estimate: [Double], on truth: [Double], standardErrors: [Double]?) -> (Double, Double?) {
        let mean = truth.reduce(0, +) / Double(max(truth.count, 1))
        let deviations = truth.map { $0 - mean }
        let sxx = deviations.reduce(0) { $0 + $1 * $1 }
        guard sxx > 0 else { return (.nan, nil) }
        let slope = zip(deviations, estimate).reduce(0) { $0 + $1.0 * $1.1 } / sxx
        let se = standardErrors.map { errors in zip(deviations, errors).reduce(0) { $0 + $1.0 * $1.0 * $1.1 * $1.1 }.squareRoot() / sxx }
        return (slope, se)
    }

    /// Checks the settings (counts, positive scales, a budget).
    public func validate() throws(EstimationError) {
        func require(_ ok: Bool, _ name: String, _ value: String, _ rule: String) throws(EstimationError) {
            if !ok { throw .invalidOption(name: name, value: value, requirement: rule) }
        }
        try require(groups >= 3, "groups", "\(groups)", "at least 3")
        try require(perGroup >= 2, "perGroup", "\(perGroup)", "at least 2")
        try require(covariates >= 2, "covariates", "\(covariates)", "at least 2 (the slope needs two)")
        try require(covariates + 1 < groups, "covariates", "\(covariates)", "fewer than the groups minus one (\(groups - 1))")
        for (name, value) in [("gammaSD", gammaSD), ("tau", tau), ("sigma", sigma)] {
            try require(value.isFinite && value > 0, name, "\(value)", "a positive finite number")
        }
        try require(intercept.isFinite, "intercept", "\(intercept)", "a finite number")
        try require(adamBudget >= 1, "adamBudget", "\(adamBudget)", "at least 1")
        try require(adamLearningRate.isFinite && adamLearningRate > 0, "adamLearningRate", "\(adamLearningRate)", "a positive finite number")
        try require(nutsChains >= 0 && nutsWarmup >= 0 && nutsDraws >= 1, "NUTS budget", "\(nutsChains), \(nutsWarmup), \(nutsDraws)",
                    "chains ≥ 0, warmup ≥ 0, draws ≥ 1")
    }
}
