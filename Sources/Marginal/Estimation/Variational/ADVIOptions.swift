/// How ``ADVI`` runs. The defaults follow Stan's ADVI where it has one (one draw per gradient,
/// 100 draws per ELBO estimate, an estimate every 100 iterations) and use Adam with a decaying
/// step for the updates. The relative tolerance is 10⁻³, not Stan's 0.01: on a posterior whose
/// ELBO is near −900 (sleepstudy) 0.01 lets the run stop 9 nats short, with SDs still far from
/// their optimum; much below 10⁻³ the rule chases the Monte Carlo noise of the averaged q
/// (about 0.1 nat between intervals on Penicillin) and runs to `maximumIterations`.
public struct ADVIOptions: Sendable, Equatable {
    /// Seed of the random stream of the gradient draws (and, from it, the ELBO draws).
    public var seed: UInt64
    /// Monte Carlo draws per gradient estimate.
    public var gradientDraws: Int
    /// Draws per ELBO estimate: one fixed set, reused at every estimate (common random numbers).
    public var elboDraws: Int
    /// Iterations between ELBO estimates; q is averaged over each such interval (Polyak–Ruppert).
    public var evaluationInterval: Int
    /// Adam's step α₀; at iteration t the step is α₀ / √(1 + t/`decayIterations`).
    public var learningRate: Double
    public var decayIterations: Double
    /// Converged when the relative change of the smoothed ELBO is below this for `patience`
    /// successive estimates.
    public var relativeTolerance: Double
    public var patience: Int
    public var maximumIterations: Int
    /// The starting q: means (nil: the origin) and log SDs (nil: from the curvature at the
    /// initial mean, see ``ADVI``; a coordinate without negative curvature there starts at 0).
    public var initialMean: [Double]?
    public var initialLogStandardDeviation: Double?
    /// The starting log SD of each coordinate (the density's dimension of them); when given, it
    /// takes the place of `initialLogStandardDeviation` and of the curvature probe.
    public var initialLogStandardDeviations: [Double]?

    public init(
        seed: UInt64 = 1, gradientDraws: Int = 1, elboDraws: Int = 100, evaluationInterval: Int = 100,
        learningRate: Double = 0.05, decayIterations: Double = 1000, relativeTolerance: Double = 1e-3, patience: Int = 3,
        maximumIterations: Int = 20_000, initialMean: [Double]? = nil, initialLogStandardDeviation: Double? = nil,
        initialLogStandardDeviations: [Double]? = nil
    ) {
        self.seed = seed
        self.gradientDraws = gradientDraws
        self.elboDraws = elboDraws
        self.evaluationInterval = evaluationInterval
        self.learningRate = learningRate
        self.decayIterations = decayIterations
        self.relativeTolerance = relativeTolerance
        self.patience = patience
        self.maximumIterations = maximumIterations
        self.initialMean = initialMean
        self.initialLogStandardDeviation = initialLogStandardDeviation
        self.initialLogStandardDeviations = initialLogStandardDeviations
    }

    func validate(dimension: Int) throws(EstimationError) {
        func require(_ ok: Bool, _ name: String, _ value: String, _ rule: String) throws(EstimationError) {
            if !ok { throw .invalidOption(name: name, value: value, requirement: rule) }
        }
        try require(dimension >= 1, "dimension", "\(dimension)", "at least 1")
        try require(gradientDraws >= 1, "gradientDraws", "\(gradientDraws)", "at least 1")
        try require(elboDraws >= 1, "elboDraws", "\(elboDraws)", "at least 1")
        try require(evaluationInterval >= 1, "evaluationInterval", "\(evaluationInterval)", "at least 1")
        try require(learningRate.isFinite && learningRate > 0, "learningRate", "\(learningRate)", "a positive finite number")
        try require(decayIterations.isFinite && decayIterations > 0, "decayIterations", "\(decayIterations)", "a positive finite number")
        try require(relativeTolerance.isFinite && relativeTolerance > 0, "relativeTolerance", "\(relativeTolerance)", "a positive finite number")
        try require(patience >= 1, "patience", "\(patience)", "at least 1")
        try require(maximumIterations >= evaluationInterval, "maximumIterations", "\(maximumIterations)", "at least evaluationInterval (\(evaluationInterval))")
        if let initialLogStandardDeviation {
            try require(initialLogStandardDeviation.isFinite, "initialLogStandardDeviation", "\(initialLogStandardDeviation)", "finite")
        }
        if let initialLogStandardDeviations {
            try require(initialLogStandardDeviations.count == dimension, "initialLogStandardDeviations", "\(initialLogStandardDeviations.count) values", "\(dimension) values (the density's dimension)")
            try require(initialLogStandardDeviations.allSatisfy(\.isFinite), "initialLogStandardDeviations", "non-finite values", "finite")
        }
        if let initialMean {
            try require(initialMean.count == dimension, "initialMean", "\(initialMean.count) values", "\(dimension) values (the density's dimension)")
            try require(initialMean.allSatisfy(\.isFinite), "initialMean", "non-finite values", "finite")
        }
    }
}
