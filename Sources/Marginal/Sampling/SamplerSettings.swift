/// The shape of the Euclidean metric (mass matrix) that warmup adapts.
public enum MetricKind: String, Sendable, Equatable, CaseIterable {
    /// M⁻¹ = diag(variances): one scale per coordinate (Stan's `diag_e`, its default).
    case diagonal
    /// M⁻¹ = a full covariance matrix, for strongly correlated posteriors (Stan's `dense_e`).
    case dense
    /// M⁻¹ dense over the first ``SamplerSettings/globalCount`` coordinates (a model's global
    /// parameters) and diagonal over the rest (its sampled random effects): the globals' posterior
    /// correlations are followed at a cost of k² per step for k globals, and the thousands of
    /// random effects keep one scale each. Diagonal when `globalCount` is 0 or every coordinate.
    case globals

    /// k, the size of the dense block over the leading coordinates, for `dimension` coordinates
    /// of which the first `globalCount` are global parameters.
    func denseCount(dimension: Int, globalCount: Int) -> Int {
        switch self {
        case .diagonal: return 0
        case .dense: return dimension
        case .globals: return globalCount < dimension ? max(globalCount, 0) : 0
        }
    }
}

/// What to run: the settings of ``NUTS/sample(_:settings:progress:)``, with Stan's defaults
/// (CmdStan `sample` method: 4 chains, 1000 warmup and 1000 sampling iterations, maximum tree
/// depth 10, `adapt delta` 0.8, initial step size 1, random inits uniform on (−2, 2)). The metric,
/// ``MetricKind/globals``, is Stan's diagonal one unless ``globalCount`` names leading global
/// coordinates followed by others, as a mixed model's posterior with sampled random effects does.
public struct SamplerSettings: Sendable, Equatable {
    /// Number of chains, run in parallel on the available cores.
    public var chains: Int
    /// Warmup (adaptation) iterations per chain; their draws are not kept.
    public var warmup: Int
    /// Post-warmup iterations per chain: the draws returned.
    public var draws: Int
    /// Seed of the random streams: chain k uses stream k of `RandomSource.streams(seed:count:)`,
    /// so the same seed gives the same draws however the threads are scheduled.
    public var seed: UInt64
    /// Maximum depth of the NUTS trajectory tree: at most 2^depth leapfrog steps per iteration.
    public var maxTreeDepth: Int
    /// δ, the mean acceptance statistic that step-size adaptation aims for, in (0, 1).
    public var targetAcceptance: Double
    /// Diagonal or dense metric, or dense over the global parameters alone.
    public var metric: MetricKind
    /// How many leading coordinates are global parameters (``MetricKind/globals``); 0 when the
    /// density does not say.
    public var globalCount: Int
    /// Starting points on the unconstrained scale: either one point used by every chain or one
    /// per chain. `nil` draws each start uniformly from (−initRadius, initRadius)ᵈ.
    public var initialPoints: [[Double]]?
    /// Half-width of the box for random starting points (Stan's `init` = 2); 0 starts at the origin.
    public var initRadius: Double
    /// How many random starting points to try before giving up, when the log density or its
    /// gradient is not finite at the start (Stan tries 100).
    public var initAttempts: Int
    /// The step size the initialization heuristic starts from (Stan's `stepsize` = 1); also sets
    /// the first dual-averaging target μ = log(10·ε₀).
    public var initialStepSize: Double
    /// The diagonal of the inverse metric warmup starts from (variances the metric assumes), or
    /// nil for the unit metric as in Stan. When given, each adaptation window's estimate is
    /// shrunk towards the metric in use, Σ = n/(n + 5)·S + 5/(n + 5)·Σ_current, instead of towards
    /// 10⁻³·I, so that coordinates with posterior variances far below 10⁻³ keep their scale.
    public var initialInverseMetric: [Double]?

    public init(
        chains: Int = 4, warmup: Int = 1000, draws: Int = 1000, seed: UInt64 = 1,
        maxTreeDepth: Int = 10, targetAcceptance: Double = 0.8, metric: MetricKind = .globals,
        initialPoints: [[Double]]? = nil, initRadius: Double = 2, initAttempts: Int = 100,
        initialStepSize: Double = 1, initialInverseMetric: [Double]? = nil, globalCount: Int = 0
    ) {
        self.globalCount = globalCount
        self.chains = chains
        self.warmup = warmup
        self.draws = draws
        self.seed = seed
        self.maxTreeDepth = maxTreeDepth
        self.targetAcceptance = targetAcceptance
        self.metric = metric
        self.initialPoints = initialPoints
        self.initRadius = initRadius
        self.initAttempts = initAttempts
        self.initialStepSize = initialStepSize
        self.initialInverseMetric = initialInverseMetric
    }

    /// Checks every field against its allowed range and the starting points against `dimension`.
    func validate(dimension: Int) throws(SamplingError) {
        guard dimension >= 1 else { throw .zeroDimension }
        func require(_ ok: Bool, _ name: String, _ value: String, _ rule: String) throws(SamplingError) {
            if !ok { throw .invalidSetting(name: name, value: value, requirement: rule) }
        }
        try require(chains >= 1, "chains", "\(chains)", "at least 1")
        try require(warmup >= 0, "warmup", "\(warmup)", "0 or more")
        try require(draws >= 1, "draws", "\(draws)", "at least 1")
        try require(maxTreeDepth >= 1, "maxTreeDepth", "\(maxTreeDepth)", "at least 1")
        try require(
            targetAcceptance > 0 && targetAcceptance < 1, "targetAcceptance", "\(targetAcceptance)",
            "strictly between 0 and 1")
        try require(initRadius >= 0 && initRadius.isFinite, "initRadius", "\(initRadius)", "finite and not negative")
        try require(initAttempts >= 1, "initAttempts", "\(initAttempts)", "at least 1")
        try require(
            globalCount >= 0 && globalCount <= dimension, "globalCount", "\(globalCount)",
            "between 0 and the number of coordinates (\(dimension))")
        try require(
            initialStepSize > 0 && initialStepSize.isFinite, "initialStepSize", "\(initialStepSize)",
            "finite and positive")
        if let variances = initialInverseMetric {
            try require(
                variances.count == dimension, "initialInverseMetric", "\(variances.count) values",
                "one per coordinate (\(dimension))")
            try require(
                variances.allSatisfy { $0 > 0 && $0.isFinite }, "initialInverseMetric", "a value not positive and finite",
                "positive and finite values")
        }
        if let points = initialPoints {
            try require(
                points.count == 1 || points.count == chains, "initialPoints", "\(points.count) points",
                "1 point or one per chain (\(chains))")
            for (k, point) in points.enumerated() where point.count != dimension {
                throw .initialPointDimension(index: k, expected: dimension, actual: point.count)
            }
        }
    }
}
