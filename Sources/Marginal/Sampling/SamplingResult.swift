/// The output of one chain.
public struct ChainResult: Sendable, Equatable {
    /// 0-based chain index (the random stream it used).
    public var chain: Int
    /// Post-warmup draws on the unconstrained scale, `draws[iteration][coordinate]`.
    public var draws: [[Double]]
    /// The warmup iterations' positions, as `draws` (for trace plots with the warmup shaded).
    public var warmupDraws: [[Double]]
    /// Per post-warmup iteration.
    public var statistics: [IterationStatistics]
    /// Per warmup iteration.
    public var warmupStatistics: [IterationStatistics]
    /// The starting point of the chain.
    public var initialPoint: [Double]
    /// Step size after adaptation (used for every sampling iteration).
    public var stepSize: Double
    /// Inverse metric after adaptation.
    public var inverseMetric: InverseMetric
    /// Calls of the log density with gradient (initialization, step-size search, leapfrog steps).
    public var gradientEvaluations: Int
    /// Seconds spent on initialization and warmup, and on sampling.
    public var warmupSeconds: Double
    public var samplingSeconds: Double
    /// Post-warmup iterations that reached the maximum tree depth.
    public var treeDepthHits: Int

    /// Post-warmup divergent transitions.
    public var divergences: Int { statistics.reduce(0) { $0 + ($1.divergent ? 1 : 0) } }

    /// E-BFMI of the post-warmup energies (``Diagnostics/energyBFMI(_:)``).
    public var energyBFMI: Double { Diagnostics.energyBFMI(statistics.map(\.energy)) }
}

/// The output of ``NUTS/sample(_:settings:progress:)``.
public struct SamplingResult: Sendable, Equatable {
    public var settings: SamplerSettings
    /// Number of unconstrained coordinates.
    public var dimension: Int
    /// One entry per chain, in chain order.
    public var chains: [ChainResult]
    /// Elapsed time of the whole run.
    public var wallSeconds: Double

    public var divergences: Int { chains.reduce(0) { $0 + $1.divergences } }
    public var treeDepthHits: Int { chains.reduce(0) { $0 + $1.treeDepthHits } }
    public var gradientEvaluations: Int { chains.reduce(0) { $0 + $1.gradientEvaluations } }

    /// The draws of coordinate `index` (0-based) as `[chain][draw]`, the layout
    /// ``Diagnostics`` expects; empty if `index` is not a coordinate.
    public func draws(coordinate index: Int) -> [[Double]] {
        guard index >= 0, index < dimension else { return [] }
        return chains.map { chain in chain.draws.map { $0[index] } }
    }

    /// `[chain][draw]` draws of any function of the unconstrained point (e.g. a constrained
    /// parameter such as exp of a log scale).
    public func draws(of transform: ([Double]) -> Double) -> [[Double]] {
        chains.map { chain in chain.draws.map(transform) }
    }

    /// ``ParameterSummary`` of every unconstrained coordinate; `names` defaults to
    /// "x[1]", "x[2]", ….
    public func summaries(names: [String]? = nil) -> [ParameterSummary] {
        (0..<dimension).map { j in
            let name = names.flatMap { j < $0.count ? $0[j] : nil } ?? "x[\(j + 1)]"
            return ParameterSummary(name: name, draws: draws(coordinate: j))
        }
    }
}
