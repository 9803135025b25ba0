import Foundation

/// Percentile confidence intervals from a parametric bootstrap of a linear mixed model (lme4's
/// `confint(method = "boot")` through `bootMer`; MixedModels.jl's `parametricbootstrap`; Davison
/// & Hinkley 1997, §5.3): B responses are simulated from the fitted model,
/// y* = o + Xβ̂ + Σₖ Zₖ σ̂λₖ(θ̂)u*ₖ + σ̂ε*/√w, u*, ε* standard normal, each is refitted by the
/// fit's criterion on the same cross-product pattern (only the values are accumulated again), and
/// each parameter's interval is the α/2 and 1 − α/2 quantiles of its B estimates (R's default
/// quantile, type 7).
public struct BootstrapIntervals: Codable, Sendable {
    public struct Interval: Codable, Sendable {
        /// `b[…]`, `sigma`, `sd[g][…]` or `cor[g][a,b]` (``ParameterNames``).
        public var name: String
        public var estimate: Double
        public var lower: Double
        public var upper: Double
    }

    public var level: Double
    public var simulations: Int
    /// Simulations whose refit failed (left out of the quantiles).
    public var failed: Int
    public var seed: UInt64
    public var intervals: [Interval]
    public var seconds: Double

    /// The intervals as lme4's `confint` prints them: one row per parameter, the two bounds.
    public func text() -> String {
        let percent = { (p: Double) in String(format: "%g %%", 100 * p) }
        let table = TextTable(
            header: ["", percent((1 - level) / 2), percent((1 + level) / 2)],
            rows: intervals.map { [$0.name, NumberFormat.significant($0.lower, 5), NumberFormat.significant($0.upper, 5)] })
        var lines = ["Parametric bootstrap confidence intervals (\(simulations) simulations, percentile, seed \(seed)):", table.render()]
        if failed > 0 { lines.append("\(failed) of the refits failed and are left out") }
        return lines.joined(separator: "\n")
    }
}

extension BootstrapIntervals {
    /// The percentile intervals of `estimates` from the replicates' values of the same rows (nil
    /// for a refit that failed): each row's (1 − level)/2 and (1 + level)/2 quantiles.
    init(estimates: [(name: String, value: Double)], replicates: [[Double]?], seed: UInt64, level: Double, seconds: Double) {
        let done = replicates.compactMap { $0 }
        let intervals = estimates.enumerated().map { j, row in
            let values = done.map { $0[j] }.filter(\.isFinite).sorted()
            return Interval(
                name: row.name, estimate: row.value,
                lower: LinearMixedModel.quantile(values, (1 - level) / 2), upper: LinearMixedModel.quantile(values, (1 + level) / 2))
        }
        self.init(level: level, simulations: replicates.count, failed: replicates.count - done.count, seed: seed, intervals: intervals, seconds: seconds)
    }
}

extension ModelDesign {
    /// o + Xβ, the fixed part of the linear predictor (the offset 0 where there is none): the
    /// center the bootstraps simulate around.
    func fixedPart(_ beta: [Double]) -> [Double] {
        var eta = offset ?? [Double](repeating: 0, count: nobs)
        let x = fixedEffects.matrix
        for (j, value) in beta.enumerated() { for i in 0..<nobs { eta[i] += x[i, j] * value } }
        return eta
    }
}

extension LinearMixedModel {
    /// Percentile intervals at `level` from `simulations` parametric-bootstrap refits of `fit`,
    /// run in parallel over the cores; simulation r draws from stream r of `seed`
    /// (``RandomSource/streams(seed:count:)``), so the result does not depend on the threads.
    public func parametricBootstrap(
        _ fit: LinearMixedModelFit, simulations: Int, seed: UInt64 = 1, level: Double = 0.95
    ) -> BootstrapIntervals {
        let clock = ContinuousClock()
        let started = clock.now
        let streams = RandomSource.streams(seed: seed, count: simulations)
        let lambdas = thetaLayout.lambdas(fit.theta)
        let n = design.nobs
        let center = design.fixedPart(fit.fixedEffects.map(\.estimate))
        let replicates: [[Double]?] = concurrentMap(count: simulations) { r in
            var random = streams[r]
            var y = center
            for (k, block) in blocks.enumerated() {
                let u = (0..<block.effectCount).map { _ in random.normal() }
                block.addEffects(lambda: lambdas[k], u: u, scale: fit.sigma, into: &y)
            }
            for i in 0..<n { y[i] += fit.sigma * random.normal() / (design.weights?[i] ?? 1).squareRoot() }
            guard let refit = try? replacingResponse(y).fit(criterion: fit.criterion) else { return nil }
            return ParameterNames.rows(
                fixed: refit.fixedEffects.map { ($0.name, $0.estimate) }, sigma: refit.sigma,
                components: refit.varianceComponents.map(FitReport.VarianceComponent.init)).map(\.value)
        }
        let estimates = ParameterNames.rows(
            fixed: fit.fixedEffects.map { ($0.name, $0.estimate) }, sigma: fit.sigma,
            components: fit.varianceComponents.map(FitReport.VarianceComponent.init))
        return BootstrapIntervals(estimates: estimates, replicates: replicates, seed: seed, level: level, seconds: started.duration(to: clock.now).seconds)
    }

    /// The model with response `y` (offset included): the same design and cross-product
    /// pattern, the values accumulated for the new response.
    func replacingResponse(_ y: [Double]) -> LinearMixedModel {
        var copy = self
        copy.design.response = y
        copy.products.reweight(weights: design.weights, response: copy.design.responseLessOffset)
        return copy
    }

    /// R's type-7 quantile of sorted `values` (NaN for none).
    static func quantile(_ values: [Double], _ p: Double) -> Double {
        guard let last = values.indices.last else { return .nan }
        let h = Double(last) * p
        let i = Int(h.rounded(.down))
        return i >= last ? values[last] : values[i] + (h - Double(i)) * (values[i + 1] - values[i])
    }
}
