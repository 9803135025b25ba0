/// The phase a chain is in.
public enum SamplingPhase: String, Sendable, Equatable {
    case warmup
    case sampling
}

/// A progress report from one chain, passed to the callback of
/// ``NUTS/sample(_:settings:progress:)`` about every 1 % of the chain's iterations and at the
/// end of each phase. Chains run concurrently, so the callback is called from several threads.
public struct SamplingProgress: Sendable, Equatable {
    /// 0-based chain index.
    public var chain: Int
    public var phase: SamplingPhase
    /// Iterations completed by this chain, warmup and sampling together (1-based).
    public var iteration: Int
    /// warmup + draws.
    public var total: Int
    /// Divergent transitions of this chain so far in the current phase.
    public var divergences: Int

    public init(chain: Int, phase: SamplingPhase, iteration: Int, total: Int, divergences: Int) {
        self.chain = chain
        self.phase = phase
        self.iteration = iteration
        self.total = total
        self.divergences = divergences
    }
}
