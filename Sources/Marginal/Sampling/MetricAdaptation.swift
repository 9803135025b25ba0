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
    let kind: MetricKind
    let shrinkingTowardsCurrent: Bool

    init(warmup: Int, dimension: Int, kind: MetricKind, shrinkingTowardsCurrent: Bool = false) {
        windows = AdaptationWindows(warmup: warmup)
        estimator = RunningMoments(dimension: dimension, dense: kind == .dense)
        self.kind = kind
        self.shrinkingTowardsCurrent = shrinkingTowardsCurrent
    }

    /// Feeds the position of one warmup draw. At a window end returns the new inverse metric
    /// (`current` stands in for the estimate if the window had fewer than two draws).
    mutating func learn(position: [Double], current: InverseMetric, chain: Int) throws(SamplingError)
        -> InverseMetric?
    {
        defer { windows.advance() }
        if windows.isInSlowWindow { estimator.add(position) }
        guard windows.isWindowEnd else { return nil }

        let d = estimator.dimension
        let n = Double(estimator.count)
        var estimate: [Double]
        if let s = estimator.estimate() {
            estimate = s
        } else {
            switch current {
            case .diagonal(let v): estimate = v
            case .dense(let m): estimate = m.elements
            }
        }
        let weight = n / (n + 5)
        for i in estimate.indices { estimate[i] *= weight }
        if shrinkingTowardsCurrent {
            let prior: [Double]
            switch current {
            case .diagonal(let v):
                prior = kind == .diagonal ? v : (0..<(d * d)).map { $0 % (d + 1) == 0 ? v[$0 / (d + 1)] : 0 }
            case .dense(let m):
                prior = kind == .dense ? m.elements : (0..<d).map { m[$0, $0] }
            }
            for i in estimate.indices { estimate[i] += (1 - weight) * prior[i] }
        } else {
            let ridge = 1e-3 * 5 / (n + 5)
            switch kind {
            case .diagonal:
                for i in 0..<d { estimate[i] += ridge }
            case .dense:
                for i in 0..<d { estimate[i + i * d] += ridge }
            }
        }
        estimator.restart()
        guard estimate.allSatisfy(\.isFinite) else { throw .metricOverflow(chain: chain) }
        switch kind {
        case .diagonal: return .diagonal(estimate)
        case .dense: return .dense(Matrix(rows: d, columns: d, elements: estimate))
        }
    }
}
