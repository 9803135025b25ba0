import Foundation
import Testing
@testable import Marginal

/// Warmup from a Laplace approximation (``LaplaceStart``) and from a given metric
/// (``SamplerSettings/initialInverseMetric``).
@Suite struct LaplaceStartTests {
    /// On a Gaussian the Laplace approximation is exact: the mode is the mean and the variances
    /// are the marginal ones (here of the first two coordinates of a correlated pair, the third
    /// held at 0 and given the held variance).
    @Test func gaussianModeAndMarginalVariances() throws {
        struct Pair: LogDensity {
            var inner = CorrelatedNormal(s1: 0.01, s2: 3, r: 0.6)
            var dimension: Int { 3 }
            mutating func logDensity(at x: [Double], gradient: inout [Double]) -> Double {
                var g = [0.0, 0.0]
                let value = inner.logDensity(at: [x[0] - 0.2, x[1] + 1], gradient: &g)
                gradient[0] = g[0]
                gradient[1] = g[1]
                gradient[2] = -x[2]
                return value - 0.5 * x[2] * x[2]
            }
        }
        let start = try #require(LaplaceStart.find(Pair(), globalCount: 2, start: [0, 0], base: [0, 0, 0.5], heldVariance: 1))
        #expect(abs(start.mode[0] - 0.2) < 1e-7 && abs(start.mode[1] + 1) < 1e-5)
        #expect(start.mode[2] == 0.5)
        #expect(abs(start.variances[0] / 1e-4 - 1) < 1e-5 && abs(start.variances[1] / 9 - 1) < 1e-5)
        #expect(start.variances[2] == 1)
        #expect(start.evaluations > 4)
        // Jittered starts: within radius × SD of the mode in the first coordinates, radius in the rest.
        var random = RandomSource(seed: 3)
        let points = start.startingPoints(chains: 4, globalCount: 2, radius: 2, random: &random)
        #expect(points.count == 4 && Set(points.map { $0[0] }).count == 4)
        for point in points {
            #expect(abs(point[0] - start.mode[0]) <= 2 * 0.01 + 1e-12)
            #expect(abs(point[1] - start.mode[1]) <= 2 * 3 + 1e-9)
            #expect(abs(point[2] - 0.5) <= 2)
        }
    }

    @Test func noStartWhereTheDensityIsNotFiniteOrNotConcave() {
        #expect(LaplaceStart.find(NarrowSupport(dimension: 2, width: 0), globalCount: 1, start: [0], base: [0, 0]) == nil)
        struct Saddle: LogDensity {
            var dimension: Int { 2 }
            mutating func logDensity(at x: [Double], gradient: inout [Double]) -> Double {
                gradient[0] = -x[0]
                gradient[1] = x[1]
                return -0.5 * x[0] * x[0] + 0.5 * x[1] * x[1]
            }
        }
        // Unbounded above: L-BFGS runs away or the Hessian is indefinite.
        #expect(LaplaceStart.find(Saddle(), globalCount: 2, start: [0.1, 0.1], base: [0, 0], maximumEvaluations: 50) == nil)
        // Wrong lengths.
        #expect(LaplaceStart.find(IndependentNormal(means: [0], scales: [1]), globalCount: 2, start: [0, 0], base: [0]) == nil)
    }

    /// Warmup 20 from a given metric: one window of 15 draws, Σ = 15/20·S + 5/20·Σ_current.
    @Test func metricAdaptationShrinksTowardsTheCurrentMetric() throws {
        var adaptation = MetricAdaptation(warmup: 20, dimension: 2, denseCount: 0, shrinkingTowardsCurrent: true)
        let positions = (0..<20).map { i in [Double(i) * 1e-3, Double(i * i % 7)] }
        let current = [4e-6, 2.0]
        var update: InverseMetric?
        for q in positions {
            if let metric = try adaptation.learn(position: q, current: .diagonal(current), chain: 0) { update = metric }
        }
        let window = Array(positions[3...17])
        let got = try #require(update).variances
        for j in 0..<2 {
            let mean = window.reduce(0) { $0 + $1[j] } / 15
            let variance = window.reduce(0) { $0 + ($1[j] - mean) * ($1[j] - mean) } / 14
            #expect(abs(got[j] - (15.0 / 20 * variance + 5.0 / 20 * current[j])) < 1e-15 * max(1, got[j]))
        }
        // The dense form shrinks towards a current diagonal the same way.
        var dense = MetricAdaptation(warmup: 20, dimension: 2, denseCount: 2, shrinkingTowardsCurrent: true)
        var denseUpdate: InverseMetric?
        for q in positions {
            if let metric = try dense.learn(position: q, current: InverseMetric(denseCount: 2, variances: current), chain: 0) { denseUpdate = metric }
        }
        #expect(zip(try #require(denseUpdate).variances, got).allSatisfy { abs($0 - $1) < 1e-15 * max(1, $1) })
    }

    /// A given starting metric is used from the first iteration, and a bad one is refused.
    @Test func samplingFromAGivenMetric() throws {
        let density = IndependentNormal(means: [1, -2], scales: [1e-3, 10])
        var settings = SamplerSettings(chains: 2, warmup: 150, draws: 300, seed: 5, initialInverseMetric: [1e-6, 100])
        settings.initialPoints = [[1, -2]]
        let result = try NUTS.sample(density, settings: settings)
        // With the right scales from the start warmup needs far fewer steps than from the unit
        // metric, whose step size must fit the SD of 10⁻³ and trajectory the SD of 10.
        var unitSettings = settings
        unitSettings.initialInverseMetric = nil
        let unit = try NUTS.sample(density, settings: unitSettings)
        func warmupSteps(_ r: SamplingResult) -> Double {
            let steps = r.chains.flatMap(\.warmupStatistics).map(\.leapfrogSteps)
            return Double(steps.reduce(0, +)) / Double(steps.count)
        }
        #expect(warmupSteps(result) * 5 < warmupSteps(unit), "\(warmupSteps(result)) vs \(warmupSteps(unit))")
        for chain in result.chains {
            let variances = chain.inverseMetric.variances
            #expect(variances[0] > 3e-7 && variances[0] < 3e-6 && variances[1] > 30 && variances[1] < 300)
        }
        let draws = result.draws(coordinate: 0).flatMap { $0 }
        #expect(abs(draws.reduce(0, +) / Double(draws.count) - 1) < 4.5 * Diagnostics.mcseMean(result.draws(coordinate: 0)))
        settings.initialInverseMetric = [1, 0]
        #expect(throws: SamplingError.self) { try NUTS.sample(density, settings: settings) }
        settings.initialInverseMetric = [1]
        #expect(throws: SamplingError.self) { try NUTS.sample(density, settings: settings) }
    }
}
