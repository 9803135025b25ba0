import Foundation

/// The machine-readable form of a ``PosteriorSample`` (`marginal sample --json`).
public struct SampleReport: Codable, Sendable {
    public struct Parameter: Codable, Sendable {
        public var name: String
        public var mean, sd, mcse, q5, q50, q95, essBulk, essTail, rhat: Double?
    }
    public struct PriorEntry: Codable, Sendable {
        public var name: String
        public var prior: String
        public var source: String
        /// The centred intercept's prior: what it is on, e.g. `b[(Intercept)] + 4.5·b[Days]`.
        public var on: String?
    }
    public struct RandomEffects: Codable, Sendable {
        public var group: String
        public var names: [String]
        public var levels: [String]
        /// One row per level: the S posterior means, and their posterior SDs.
        public var mean: [[Double]]
        public var sd: [[Double]]
    }

    public var formula: String
    public var nobs: Int
    /// The family of a generalized model; absent for a linear one.
    public var family: String?
    public var strategy: String
    public var parameters: [Parameter]
    public var divergences: Int
    public var treeDepthHits: Int
    public var gradientEvaluations: Int
    /// Seconds of sampling (warmup included); recovery of the random effects is separate.
    public var seconds: Double
    public var recoverySeconds: Double
    public var chains: Int
    public var warmup: Int
    public var draws: Int
    public var seed: UInt64
    public var stepSizes: [Double]
    public var minBulkESSPerSecond: Double?
    public var priors: [PriorEntry]
    public var ranef: [RandomEffects]
    public var warnings: [String]

    public init(_ sample: PosteriorSample) {
        func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }
        formula = sample.formula
        nobs = sample.nobs
        family = sample.family
        strategy = sample.strategy.description
        parameters = sample.parameters.map {
            Parameter(name: $0.name, mean: finite($0.mean), sd: finite($0.sd), mcse: finite($0.mcse), q5: finite($0.q5),
                      q50: finite($0.q50), q95: finite($0.q95), essBulk: finite($0.essBulk), essTail: finite($0.essTail), rhat: finite($0.rhat))
        }
        divergences = sample.divergences
        treeDepthHits = sample.sampling.treeDepthHits
        gradientEvaluations = sample.gradientEvaluations
        seconds = sample.samplingSeconds
        recoverySeconds = sample.recoverySeconds
        chains = sample.chains
        warmup = sample.warmup
        draws = sample.draws
        seed = sample.sampling.settings.seed
        stepSizes = sample.stepSizes
        minBulkESSPerSecond = finite(sample.minimumBulkESSPerSecond)
        priors = sample.priors.map { PriorEntry(name: $0.name, prior: $0.prior.description, source: $0.userSet ? "user" : "default", on: $0.on) }
        ranef = sample.randomEffects.map { block in
            let s = block.columnNames.count
            return RandomEffects(
                group: block.group, names: block.columnNames, levels: block.levels,
                mean: block.levels.indices.map { Array(block.means[($0 * s)..<(($0 + 1) * s)]) },
                sd: block.levels.indices.map { Array(block.sds[($0 * s)..<(($0 + 1) * s)]) })
        }
        warnings = sample.warnings
    }

    /// Pretty-printed JSON with sorted keys (``JSONOutput``); diagnostics the draws cannot
    /// support are null.
    public func json() throws -> String {
        try JSONOutput.encode(self)
    }
}
