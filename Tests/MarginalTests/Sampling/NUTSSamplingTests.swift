import Foundation
import Testing
@testable import Marginal

/// End-to-end NUTS runs on densities with known answers. Each run has a fixed seed, so each
/// test is deterministic; the bounds are z-scores with the Monte Carlo standard errors the
/// draws themselves give (a correct sampler lands outside 4.5 MCSE with probability ~10⁻⁵).
@Suite struct NUTSSamplingTests {
    static let zBound = 4.5

    /// Checks E[x] and E[(x − μ)²] of every coordinate against the truth.
    static func expectMoments(_ result: SamplingResult, means: [Double], variances: [Double]) {
        for j in 0..<result.dimension {
            let draws = result.draws(coordinate: j)
            let mean = draws.flatMap { $0 }.reduce(0, +) / Double(draws.count * draws[0].count)
            let mcse = Diagnostics.mcseMean(draws)
            #expect(abs(mean - means[j]) < zBound * mcse, "mean of x[\(j + 1)]: \(mean) ± \(mcse)")
            let squares = draws.map { $0.map { ($0 - means[j]) * ($0 - means[j]) } }
            let variance = squares.flatMap { $0 }.reduce(0, +) / Double(draws.count * draws[0].count)
            let mcseVariance = Diagnostics.mcseMean(squares)
            #expect(
                abs(variance - variances[j]) < zBound * mcseVariance,
                "variance of x[\(j + 1)]: \(variance) ± \(mcseVariance) vs \(variances[j])")
            #expect(Diagnostics.rhat(draws) < 1.05)
            #expect(Diagnostics.essBulk(draws) > 200)
        }
    }

    @Test func independentNormalWithDifferentScales() throws {
        let means = [1.0, -2, 0, 3, 0.5]
        let scales = [0.5, 1, 2, 5, 10]
        let density = IndependentNormal(means: means, scales: scales)
        let result = try NUTS.sample(density, settings: SamplerSettings(warmup: 300, draws: 500, seed: 11))
        #expect(result.chains.count == 4)
        #expect(result.chains.allSatisfy { $0.draws.count == 500 && $0.statistics.count == 500 })
        #expect(result.chains.allSatisfy { $0.warmupStatistics.count == 300 })
        Self.expectMoments(result, means: means, variances: scales.map { $0 * $0 })
        #expect(result.divergences == 0)
        for chain in result.chains {
            // The adapted diagonal metric estimates the variances (from the last 100-draw window).
            for (estimate, scale) in zip(chain.inverseMetric.variances, scales) {
                let ratio = estimate / (scale * scale)
                #expect(ratio > 0.5 && ratio < 2, "adapted variance \(estimate) for scale \(scale)")
            }
            // With the metric adapted, dual averaging reaches the target acceptance on average.
            let accept = chain.statistics.map(\.acceptStat).reduce(0, +) / 500
            #expect(accept > 0.7 && accept < 0.95, "mean acceptance \(accept)")
            #expect(chain.energyBFMI > 0.5)
            let steps = chain.statistics.reduce(0) { $0 + $1.leapfrogSteps }
                + chain.warmupStatistics.reduce(0) { $0 + $1.leapfrogSteps }
            #expect(chain.gradientEvaluations > steps)
        }
    }

    /// Beyond moments: the tail probabilities P(x ≤ Φ⁻¹(p)) of a standard normal, each checked
    /// with the MCSE of its indicator's mean.
    @Test func standardNormalTailProbabilities() throws {
        let result = try NUTS.sample(
            IndependentNormal(means: [0], scales: [1]),
            settings: SamplerSettings(warmup: 200, draws: 1000, seed: 21))
        let draws = result.draws(coordinate: 0)
        for (p, z) in [(0.05, -1.6448536269514729), (0.25, -0.6744897501960817), (0.5, 0.0), (0.95, 1.6448536269514722)] {
            let indicator = draws.map { $0.map { $0 <= z ? 1.0 : 0.0 } }
            let estimate = indicator.flatMap { $0 }.reduce(0, +) / 4000
            let mcse = Diagnostics.mcseMean(indicator)
            #expect(abs(estimate - p) < Self.zBound * mcse, "P(x ≤ \(z)) = \(estimate) ± \(mcse)")
        }
        #expect(result.draws(coordinate: 1).isEmpty)
        #expect(result.summaries(names: ["x"]).map(\.name) == ["x"])
    }

    /// The metric dense over the globals (the first two coordinates here, ρ = 0.99 with SDs 1
    /// and 3) learns their covariance and the other coordinates' variances (SDs 0.5 and 4).
    @Test func globalsMetricLearnsTheLeadingCovariance() throws {
        let density = CorrelatedThenIndependentNormal(leading: CorrelatedNormal(s1: 1, s2: 3, r: 0.99), scales: [0.5, 4])
        let result = try NUTS.sample(
            density, settings: SamplerSettings(chains: 2, warmup: 500, draws: 300, seed: 5, metric: .globals, globalCount: 2))
        for chain in result.chains {
            guard case .blocked(let leading, let diagonal) = chain.inverseMetric else {
                Issue.record("expected a metric dense over the first two coordinates")
                continue
            }
            let correlation = leading[0, 1] / (leading[0, 0] * leading[1, 1]).squareRoot()
            #expect(abs(correlation - 0.99) < 0.005, "adapted correlation \(correlation)")
            #expect(leading[0, 0] > 0.5 && leading[0, 0] < 2 && leading[1, 1] > 4.5 && leading[1, 1] < 18)
            #expect(diagonal.count == 2 && diagonal[0] > 0.125 && diagonal[0] < 0.5 && diagonal[1] > 8 && diagonal[1] < 32)
        }
        // Without globals, or with every coordinate a global, the same kind is diagonal.
        #expect(MetricKind.globals.denseCount(dimension: 4, globalCount: 0) == 0)
        #expect(MetricKind.globals.denseCount(dimension: 4, globalCount: 4) == 0)
        #expect(throws: SamplingError.self) {
            try NUTS.sample(density, settings: SamplerSettings(chains: 1, warmup: 10, draws: 10, globalCount: 5))
        }
    }

    /// ρ = 0.99 with standard deviations 1 and 3: the dense metric learns the covariance, and
    /// then trajectories are far shorter than with a diagonal metric.
    @Test func correlatedNormalWithDenseMetric() throws {
        let density = CorrelatedNormal(s1: 1, s2: 3, r: 0.99)
        let result = try NUTS.sample(
            density, settings: SamplerSettings(warmup: 500, draws: 300, seed: 5, metric: .dense))
        Self.expectMoments(result, means: [0, 0], variances: [1, 9])
        for chain in result.chains {
            guard case .dense(let sigma) = chain.inverseMetric else {
                Issue.record("expected a dense metric")
                continue
            }
            let correlation = sigma[0, 1] / (sigma[0, 0] * sigma[1, 1]).squareRoot()
            #expect(abs(correlation - 0.99) < 0.005, "adapted correlation \(correlation)")
            #expect(sigma[0, 1] == sigma[1, 0])
            #expect(sigma[0, 0] > 0.5 && sigma[0, 0] < 2)
            #expect(sigma[1, 1] > 4.5 && sigma[1, 1] < 18)
        }
        // Covariance of the draws of all chains.
        let x = result.draws(coordinate: 0).flatMap { $0 }
        let y = result.draws(coordinate: 1).flatMap { $0 }
        let covariance = zip(x, y).reduce(0) { $0 + $1.0 * $1.1 } / Double(x.count)
        #expect(abs(covariance - 2.97) < 0.45)

        let diagonal = try NUTS.sample(
            density, settings: SamplerSettings(chains: 1, warmup: 300, draws: 100, seed: 5))
        let denseSteps = Double(result.chains[0].statistics.map(\.leapfrogSteps).reduce(0, +)) / 300
        let diagonalSteps = Double(diagonal.chains[0].statistics.map(\.leapfrogSteps).reduce(0, +)) / 100
        #expect(diagonalSteps > 2 * denseSteps, "mean leapfrog steps: diagonal \(diagonalSteps), dense \(denseSteps)")
    }

    @Test func sameSeedGivesIdenticalDraws() throws {
        let density = IndependentNormal(means: [0, 1, 2], scales: [1, 2, 3])
        let settings = SamplerSettings(chains: 3, warmup: 100, draws: 100, seed: 42)
        let first = try NUTS.sample(density, settings: settings)
        let second = try NUTS.sample(density, settings: settings)
        for (a, b) in zip(first.chains, second.chains) {
            #expect(a.draws == b.draws)
            #expect(a.statistics == b.statistics)
            #expect(a.warmupStatistics == b.warmupStatistics)
            #expect(a.stepSize == b.stepSize)
            #expect(a.inverseMetric == b.inverseMetric)
            #expect(a.gradientEvaluations == b.gradientEvaluations)
        }
        // Chain k depends only on stream k: a one-chain run reproduces chain 0.
        var single = settings
        single.chains = 1
        let alone = try NUTS.sample(density, settings: single)
        #expect(alone.chains[0].draws == first.chains[0].draws)
        // Chains differ from each other, and another seed gives other draws.
        #expect(first.chains[0].draws != first.chains[1].draws)
        var other = settings
        other.seed = 43
        #expect(try NUTS.sample(density, settings: other).chains[0].draws != first.chains[0].draws)
    }

    /// The funnel's neck produces energy errors beyond 1000.
    @Test func funnelDivergences() throws {
        let result = try NUTS.sample(
            Funnel(k: 3), settings: SamplerSettings(chains: 2, warmup: 200, draws: 200, seed: 3))
        let flagged = result.chains.reduce(0) { $0 + $1.statistics.filter(\.divergent).count }
        let warmupFlagged = result.chains.reduce(0) { $0 + $1.warmupStatistics.filter(\.divergent).count }
        #expect(result.divergences == flagged)
        #expect(flagged + warmupFlagged > 0)
    }

    /// A cliff (zero density beyond x₁ = 0.5): trajectories that cross it diverge, and no draw
    /// lies beyond it.
    @Test func cliffDivergencesAndSupport() throws {
        let result = try NUTS.sample(
            NormalWithCliff(), settings: SamplerSettings(chains: 2, warmup: 100, draws: 100, seed: 3))
        #expect(result.divergences > 20)
        #expect(result.chains.allSatisfy { $0.draws.allSatisfy { $0[0] <= 0.5 } })
        #expect(result.chains.allSatisfy { $0.statistics.allSatisfy { $0.logDensity.isFinite } })
    }

    /// Scales 1 and 100 with the unit metric (no warmup) need long trajectories; depth 3 caps
    /// them at 2³ − 1 = 7 leapfrog steps.
    @Test func treeDepthCapIsHonored() throws {
        let density = IndependentNormal(means: [0, 0], scales: [1, 100])
        let result = try NUTS.sample(
            density, settings: SamplerSettings(chains: 2, warmup: 0, draws: 100, seed: 9, maxTreeDepth: 3))
        for chain in result.chains {
            #expect(chain.statistics.allSatisfy { $0.treeDepth <= 3 && $0.leapfrogSteps <= 7 })
            #expect(chain.treeDepthHits == chain.statistics.filter { $0.treeDepth == 3 }.count)
            #expect(chain.warmupStatistics.isEmpty)
            #expect(chain.inverseMetric == .diagonal([1, 1]))
        }
        #expect(result.treeDepthHits > 100)
    }

    @Test func progressReportsEveryPercent() throws {
        let log = ProgressLog()
        let settings = SamplerSettings(chains: 2, warmup: 100, draws: 200, seed: 1)
        let result = try NUTS.sample(
            IndependentNormal(means: [0], scales: [1]), settings: settings, progress: { log.append($0) })
        for chain in 0..<2 {
            let reports = log.all.filter { $0.chain == chain }
            #expect(reports.count >= 100 && reports.count <= 102)  // every 3rd of 300, plus phase ends
            #expect(zip(reports, reports.dropFirst()).allSatisfy { $0.iteration < $1.iteration })
            #expect(reports.allSatisfy { $0.total == 300 })
            #expect(reports.allSatisfy { ($0.iteration <= 100) == ($0.phase == .warmup) })
            #expect(reports.contains { $0.iteration == 100 && $0.phase == .warmup })
            #expect(reports.last?.iteration == 300)
            #expect(reports.last?.divergences == result.chains[chain].divergences)
        }
    }

    @Test func randomInitialPointsRetryUntilFinite() throws {
        // Finite only in (−0.7, 0.7)³: a random start in (−2, 2)³ is valid with probability 0.043.
        let result = try NUTS.sample(
            NarrowSupport(dimension: 3, width: 0.7),
            settings: SamplerSettings(chains: 2, warmup: 0, draws: 5, seed: 4))
        for chain in result.chains {
            #expect(chain.initialPoint.allSatisfy { abs($0) < 0.7 })
        }
        let given = try NUTS.sample(
            IndependentNormal(means: [0, 0], scales: [1, 1]),
            settings: SamplerSettings(chains: 2, warmup: 0, draws: 2, initialPoints: [[0.25, -0.5]]))
        #expect(given.chains.allSatisfy { $0.initialPoint == [0.25, -0.5] })
    }
}
