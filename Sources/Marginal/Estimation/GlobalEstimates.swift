import Foundation

/// The global parameters of a mixed model in the form every estimation method reports them: β,
/// the dispersion σ (nil for families without one, such as binomial and Poisson), and per
/// random-effect term its SDs and correlation matrix (as lme4's `VarCorr` and
/// ``LinearMixedModelFit/varianceComponents``), with optional uncertainties of β.
public struct GlobalEstimates: Sendable {
    public var fixedEffectNames: [String]
    public var beta: [Double]
    /// The SD of each β's posterior (NUTS), variational distribution (VI) or sampling
    /// distribution (ML/REML); nil when the method gives none (joint MAP).
    public var betaStandardErrors: [Double]?
    public var sigma: Double?
    /// One per term as written, grouped by the engine's blocks.
    public var varianceComponents: [VarianceComponent]

    /// The estimates at unconstrained global coordinates x (``MixedModelParameterization``'s
    /// layout; extra trailing coordinates, such as random effects, are ignored).
    init(layout: MixedModelParameterization, at x: [Double]) {
        var globals = layout.makeGlobals()
        layout.decode(x, into: &globals)
        fixedEffectNames = layout.fixedNames
        beta = globals.beta
        betaStandardErrors = nil
        sigma = globals.sigma
        varianceComponents = layout.blocks.flatMap { block in
            block.parts.map { part in
                let m = part.dimension
                // Σ = diag(sd) L Lᵀ diag(sd) with L the correlations' Cholesky factor (I without).
                var factor = part.hasCorrelation ? globals.correlationFactors[part.correlationIndex]
                    : part.structure != nil ? globals.structureFactors[part.structureIndex] : Matrix.identity(m).elements
                for a in 0..<m { for c in 0..<m { factor[a + c * m] *= globals.sds[part.sdIndex + part.sdOffset(column: a)] } }
                return VarianceComponent(group: block.group, names: part.columnNames, factor: factor, ld: m, rows: Array(0..<m), rank: m)
            }
        }
    }

    init(fit: LinearMixedModelFit) {
        fixedEffectNames = fit.fixedEffects.map(\.name)
        beta = fit.fixedEffects.map(\.estimate)
        betaStandardErrors = fit.fixedEffects.map(\.standardError)
        sigma = fit.sigma
        varianceComponents = fit.varianceComponents
    }

    /// The mean of each quantity over draws of the global coordinates (posterior means for NUTS,
    /// means of the variational distribution for VI), with the SDs of β over the draws as its
    /// standard errors. Nil for no draws.
    /// Each parameter by ``ParameterNames`` (β, σ, SDs, correlations) with its value.
    var namedValues: [(name: String, value: Double)] {
        ParameterNames.rows(
            fixed: zip(fixedEffectNames, beta).map { ($0, $1) }, sigma: sigma,
            components: varianceComponents.map(FitReport.VarianceComponent.init))
    }

    /// The central intervals at `level` of every parameter over q's draws (their quantiles),
    /// named as ``namedValues`` and centred on `estimates` (without σ when `estimates` has none).
    static func centralIntervals(layout: MixedModelParameterization, draws: [[Double]], estimates: GlobalEstimates, level: Double) -> [BootstrapIntervals.Interval] {
        let rows = draws.map { draw in
            var values = GlobalEstimates(layout: layout, at: draw)
            if estimates.sigma == nil { values.sigma = nil }
            return values.namedValues.map(\.value)
        }
        return BootstrapIntervals(estimates: estimates.namedValues, replicates: rows, seed: 0, level: level, seconds: 0).intervals
    }

    init?(layout: MixedModelParameterization, meanOver draws: [[Double]]) {
        guard let first = draws.first else { return nil }
        var mean = GlobalEstimates(layout: layout, at: first)
        let each = draws.map { GlobalEstimates(layout: layout, at: $0) }
        let count = Double(each.count)
        func average(_ value: (GlobalEstimates) -> Double) -> Double { each.reduce(0) { $0 + value($1) } / count }
        mean.beta = mean.beta.indices.map { j in average { $0.beta[j] } }
        mean.betaStandardErrors = mean.beta.indices.map { j in
            let m = mean.beta[j]
            return (each.reduce(0) { $0 + ($1.beta[j] - m) * ($1.beta[j] - m) } / max(count - 1, 1)).squareRoot()
        }
        mean.sigma = mean.sigma.map { _ in average { $0.sigma ?? .nan } }
        for c in mean.varianceComponents.indices {
            let m = mean.varianceComponents[c].names.count
            for a in 0..<m {
                mean.varianceComponents[c].standardDeviations[a] = average { $0.varianceComponents[c].standardDeviations[a] }
                for b in 0..<m where b != a {
                    mean.varianceComponents[c].correlations[a, b] = average { $0.varianceComponents[c].correlations[a, b] }
                }
            }
        }
        self = mean
    }
}
