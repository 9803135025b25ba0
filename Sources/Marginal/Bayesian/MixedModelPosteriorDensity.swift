/// What the Bayesian driver needs from a density of a linear mixed model, whatever it
/// integrates out: the reported global parameters of a point, and, for the posterior draws of
/// a chain, one draw of every random effect each (exact conditional draws for the effects
/// integrated out, the sampled values for the others), so every strategy gives the same output.
/// Random effects are laid out as ``RandomEffectsLayout`` says: engine blocks in order, level
/// after level, a level's S columns together.
protocol MixedModelPosteriorDensity: LogDensity {
    /// Names of the reported global parameters (`b[…]`, `sigma`, `sd[…][…]`, `cor[…][…]`).
    var globalNames: [String] { get }
    /// The reported global parameters at x, in the order of ``globalNames``.
    func globalValues(_ x: [Double]) -> [Double]
    /// Hands `body` one draw of every random effect per posterior draw in `draws`, in order;
    /// the buffer is NaN where a draw cannot be evaluated.
    mutating func recoverRandomEffects(for draws: [[Double]], count: Int, using random: inout RandomSource, _ body: ([Double]) -> Void)
}

/// Per-draw recovery for densities that draw one point at a time.
protocol PointwiseRecovery: MixedModelPosteriorDensity {
    mutating func drawEffects(at x: [Double], using random: inout RandomSource, into effects: inout [Double]) -> Bool
}

/// A linear model's density whose global parameters are laid out by a ``MixedModelParameterization``.
private protocol ParameterizedDensity: PointwiseRecovery {
    var parameterization: MixedModelParameterization { get }
}

extension ParameterizedDensity {
    var globalNames: [String] { parameterization.parameterNames }
    func globalValues(_ x: [Double]) -> [Double] { parameterization.reportedValues(Array(x.prefix(parameterization.dimension))) }
}

extension PointwiseRecovery {
    mutating func recoverRandomEffects(for draws: [[Double]], count: Int, using random: inout RandomSource, _ body: ([Double]) -> Void) {
        var effects = [Double](repeating: 0, count: count)
        for x in draws {
            if !drawEffects(at: x, using: &random, into: &effects) {
                for i in effects.indices { effects[i] = .nan }
            }
            body(effects)
        }
    }
}

extension MarginalizedMixedModelDensity: ParameterizedDensity {
    mutating func drawEffects(at x: [Double], using random: inout RandomSource, into effects: inout [Double]) -> Bool {
        drawRandomEffects(at: x, using: &random, into: &effects)
    }
}

extension OneClassMarginalizedDensity: ParameterizedDensity {
    mutating func drawEffects(at x: [Double], using random: inout RandomSource, into effects: inout [Double]) -> Bool {
        drawRandomEffects(at: x, using: &random, into: &effects)
    }
}

extension SubsetMarginalizedDensity: ParameterizedDensity {
    mutating func drawEffects(at x: [Double], using random: inout RandomSource, into effects: inout [Double]) -> Bool {
        drawRandomEffects(at: x, using: &random, into: &effects)
    }
}

extension JointMixedModelDensity: ParameterizedDensity {
    /// The effects are coordinates of x: nothing is drawn.
    mutating func drawEffects(at x: [Double], using random: inout RandomSource, into effects: inout [Double]) -> Bool {
        randomEffects(at: x, into: &effects)
    }
}

extension KnownCovarianceDensity: MixedModelPosteriorDensity {
    var globalNames: [String] { parameterNames }
    func globalValues(_ x: [Double]) -> [Double] { reportedValues(x) }

    /// Batches of draws share one D × D matrix product (``drawRandomEffects(at:random:)``).
    mutating func recoverRandomEffects(for draws: [[Double]], count: Int, using random: inout RandomSource, _ body: ([Double]) -> Void) {
        let batch = 256
        var start = 0
        while start < draws.count {
            let end = min(start + batch, draws.count)
            let effects = drawRandomEffects(at: Array(draws[start..<end]), random: &random)
            for t in 0..<(end - start) { body(Array(effects.elements[(t * count)..<((t + 1) * count)])) }
            start = end
        }
    }
}
