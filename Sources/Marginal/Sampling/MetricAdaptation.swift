/// Estimation of the inverse metric during warmup (Stan's `var_adaptation` and
/// `covar_adaptation`): the positions of the draws in each slow window of
/// ``AdaptationWindows`` feed a ``WelfordEstimator``; at the window's end the sample
/// (co)variance S of its n draws is regularized towards a small multiple of the identity,
///
///   Σ = n/(n + 5)·S + 10⁻³·5/(n + 5)·I,
///
/// which keeps Σ positive definite and shrinks noisy estimates from short windows, and the
/// estimator starts afresh for the next window.
struct MetricAdaptation {
    var windows: AdaptationWindows
    private var estimator: WelfordEstimator
    let kind: MetricKind

    init(warmup: Int, dimension: Int, kind: MetricKind) {
        windows = AdaptationWindows(warmup: warmup)
        estimator = WelfordEstimator(dimension: dimension, dense: kind == .dense)
        self.kind = kind
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
        let ridge = 1e-3 * 5 / (n + 5)
        for i in estimate.indices { estimate[i] *= weight }
        switch kind {
        case .diagonal:
            for i in 0..<d { estimate[i] += ridge }
        case .dense:
            for i in 0..<d { estimate[i + i * d] += ridge }
        }
        estimator.restart()
        guard estimate.allSatisfy(\.isFinite) else { throw .metricOverflow(chain: chain) }
        switch kind {
        case .diagonal: return .diagonal(estimate)
        case .dense: return .dense(Matrix(rows: d, columns: d, elements: estimate))
        }
    }
}
