/// Estimation of the inverse metric during warmup (Stan's `var_adaptation` and
/// `covar_adaptation`): the positions of the draws in each slow window of
/// ``AdaptationWindows`` feed a ``RunningMoments``; at the window's end the sample
/// (co)variance S of its n draws is regularized towards a small multiple of the identity,
///
///   Σ = n/(n + 5)·S + 10⁻³·5/(n + 5)·I,
///
/// which keeps Σ positive definite and shrinks noisy estimates from short windows, and the
/// estimator starts afresh for the next window. With `shrinkingTowardsCurrent` (warmup started
/// from a metric of the posterior's scale, ``SamplerSettings/initialInverseMetric``) the estimate
/// is shrunk towards the metric in use instead, Σ = n/(n + 5)·S + 5/(n + 5)·Σ_current, which
/// keeps Σ positive definite as well but does not lift variances far below 10⁻³ to that floor.
struct MetricAdaptation {
    var windows: AdaptationWindows
    private var estimator: RunningMoments
    let shrinkingTowardsCurrent: Bool

    /// Adaptation of a metric with a dense block over the first `denseCount` coordinates (0
    /// diagonal, `dimension` dense; ``InverseMetric``).
    init(warmup: Int, dimension: Int, denseCount: Int, shrinkingTowardsCurrent: Bool = false) {
        windows = AdaptationWindows(warmup: warmup)
        estimator = RunningMoments(dimension: dimension, denseCount: denseCount)
        self.shrinkingTowardsCurrent = shrinkingTowardsCurrent
    }

    /// Feeds the position of one warmup draw. At a window end returns the new inverse metric
    /// (`current`, of the same layout, stands in for the estimate if the window had fewer than
    /// two draws).
    mutating func learn(position: [Double], current: InverseMetric, chain: Int) throws(SamplingError)
        -> InverseMetric?
    {
        defer { windows.advance() }
        if windows.isInSlowWindow { estimator.add(position) }
        guard windows.isWindowEnd else { return nil }

        let k = estimator.denseCount
        let n = Double(estimator.count)
        let prior = current.values
        var estimate = estimator.estimate() ?? prior
        let weight = n / (n + 5)
        for i in estimate.indices { estimate[i] *= weight }
        if shrinkingTowardsCurrent {
            for i in estimate.indices { estimate[i] += (1 - weight) * prior[i] }
        } else {
            let ridge = 1e-3 * 5 / (n + 5)
            for i in 0..<k { estimate[i * (k + 1)] += ridge }
            for i in (k * k)..<estimate.count { estimate[i] += ridge }
        }
        estimator.restart()
        guard estimate.allSatisfy(\.isFinite) else { throw .metricOverflow(chain: chain) }
        return InverseMetric(denseCount: k, values: estimate)
    }
}
