import Foundation

/// What `marginal sample` asks of any ``MixedModel``: how to treat the random effects, the
/// priors, the sampler's settings, and whether to draw the random effects afterwards. A model
/// family answers through ``MixedModel/samplePosterior(_:progress:)``, so the command needs no
/// edit for a new family.
public struct PosteriorRequest: Sendable {
    /// The strategy, or nil for the model's own choice by cost (``SamplingStrategy/automatic(for:)``
    /// for a linear mixed model).
    public var strategy: SamplingStrategy?
    /// `NAME=DISTRIBUTION` prior settings, applied in order.
    public var priors: [String]
    public var settings: SamplerSettings
    /// Draw every random effect for every posterior draw.
    public var recover: Bool
    /// Keep those draws (for `--draws-out`), not only their summaries.
    public var keepEffectDraws: Bool
    /// The memory the draws may take, in bytes (half the machine's by default).
    public var memoryLimit: Double
    /// Quadrature points per random effect where a generalized model's effects are integrated
    /// out by adaptive Gauss–Hermite quadrature (nil: ``defaultQuadraturePoints``).
    public var quadraturePoints: Int?
    /// 15 points: on binary groups of 5 the log density is then within 1e-8 of the exact
    /// integral (``QuadratureIntegral``), at 15 likelihood evaluations per row.
    public static let defaultQuadraturePoints = 15

    public init(
        strategy: SamplingStrategy? = nil, priors: [String] = [], settings: SamplerSettings = SamplerSettings(),
        recover: Bool = true, keepEffectDraws: Bool = false,
        memoryLimit: Double = Double(ProcessInfo.processInfo.physicalMemory) / 2
    ) {
        self.strategy = strategy
        self.priors = priors
        self.settings = settings
        self.recover = recover
        self.keepEffectDraws = keepEffectDraws
        self.memoryLimit = memoryLimit
    }

    /// Refuses a run whose draws (`valuesPerDraw` numbers per draw, every chain kept in memory)
    /// would not fit in ``memoryLimit``.
    func checkMemory(valuesPerDraw: Int) throws(BayesianError) {
        let bytes = 8 * Double(settings.chains) * Double(settings.draws) * Double(valuesPerDraw)
        guard bytes <= memoryLimit else {
            throw .drawsTooLarge(
                chains: settings.chains, draws: settings.draws, valuesPerDraw: valuesPerDraw, bytes: bytes,
                available: memoryLimit, withEffects: recover)
        }
    }
}
