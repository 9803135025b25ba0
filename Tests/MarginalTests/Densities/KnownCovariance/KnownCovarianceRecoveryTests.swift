import Foundation
import Testing
@testable import Marginal

/// Recovery of the random effects: the eigen-basis conditional against the dense conditional
/// N(Σ_u ZᵀV⁻¹r, Σ_u − Σ_u ZᵀV⁻¹Z Σ_u), and the running summaries against the draws themselves.
@Suite struct KnownCovarianceRecoveryTests {
    /// Mean P h and covariance P diag(σ²/(σ² + λ)) Pᵀ of b | y, β, σ from the decomposition.
    static func eigenMoments(_ density: KnownCovarianceDensity, at x: [Double]) -> (mean: [Double], covariance: [Double]) {
        let d = density.randomEffectCount
        var h = [Double](repeating: 0, count: d)
        var scale = h
        _ = density.conditionalCoordinates(at: x, mean: &h, scale: &scale)
        let p = density.decomposition.effectBasis
        var scaledP = p
        for k in 0..<d {
            for i in 0..<d { scaledP[i + k * d] *= scale[k] * scale[k] }
        }
        let covariance = KnownCovarianceReference.multiply(scaledP, KnownCovarianceReference.transpose(p, rows: d, columns: d), m: d, k: d, n: d)
        return (density.randomEffectMean(at: x), covariance)
    }

    @Test(arguments: KnownCovarianceDensityTests.cases)
    func conditionalMatchesDenseFormula(_ c: KnownCovarianceDensityTests.Case) throws {
        let (density, design) = try KnownCovarianceDensityTests.density(c)
        for (beta, sigma) in c.points {
            let reference = KnownCovarianceReference.conditional(
                design: design, layout: density.randomEffectsLayout, factors: c.factors, beta: beta, sigma: sigma)
            let eigen = Self.eigenMoments(density, at: beta + [log(sigma)])
            let meanScale = reference.mean.map(abs).max() ?? 1
            for (a, b) in zip(eigen.mean, reference.mean) {
                #expect(abs(a - b) <= 1e-9 * meanScale, "\(c.name) mean at σ = \(sigma): \(a) vs \(b)")
            }
            let covarianceScale = reference.covariance.map(abs).max() ?? 1
            let worst = zip(eigen.covariance, reference.covariance).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-9 * covarianceScale, "\(c.name) covariance at σ = \(sigma): largest difference \(worst)")
        }
    }

    /// Posterior-like draws around a point: β and log σ jittered.
    static func draws(around beta: [Double], sigma: Double, count: Int, seed: UInt64) -> [[Double]] {
        var random = RandomSource(seed: seed)
        return (0..<count).map { _ in beta.map { $0 + 0.3 * random.normal() } + [log(sigma) + 0.1 * random.normal()] }
    }

    @Test(arguments: KnownCovarianceDensityTests.cases)
    func summaryEqualsStatisticsOfTheDraws(_ c: KnownCovarianceDensityTests.Case) throws {
        let (density, _) = try KnownCovarianceDensityTests.density(c)
        let (beta, sigma) = c.points[0]
        let xs = Self.draws(around: beta, sigma: sigma, count: 300, seed: 7)
        var random = RandomSource(seed: 11)
        let b = density.drawRandomEffects(at: xs, random: &random)
        var accumulator = KnownCovarianceRecovery(density: density, batchSize: 64)
        random = RandomSource(seed: 11)
        for x in xs { accumulator.add(drawAt: x, random: &random) }
        let summary = accumulator.summary()
        #expect(summary.draws == xs.count)
        let t = Double(xs.count)
        for j in 0..<density.randomEffectCount {
            let row = (0..<xs.count).map { b[j, $0] }
            let mean = row.reduce(0, +) / t
            let sd = (row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (t - 1)).squareRoot()
            #expect(abs(summary.means[j] - mean) <= 1e-9 * max(abs(mean), sd), "\(c.name) effect \(j) mean")
            #expect(abs(summary.standardDeviations[j] - sd) <= 1e-9 * sd, "\(c.name) effect \(j) SD")
        }
    }

    /// The Float rank-B updates give the Double results to single-precision rounding.
    @Test func singlePrecisionUpdatesAgreeWithDouble() throws {
        let c = KnownCovarianceDensityTests.cases[4]
        let (density, _) = try KnownCovarianceDensityTests.density(c)
        let (beta, sigma) = c.points[0]
        let xs = Self.draws(around: beta, sigma: sigma, count: 500, seed: 8)
        var exact = KnownCovarianceRecovery(density: density, batchSize: 64)
        var single = KnownCovarianceRecovery(density: density, batchSize: 64, precision: .single)
        var random = RandomSource(seed: 12)
        for x in xs { exact.add(drawAt: x, random: &random) }
        random = RandomSource(seed: 12)
        for x in xs { single.add(drawAt: x, random: &random) }
        let a = exact.summary(), b = single.summary()
        for j in 0..<density.randomEffectCount {
            #expect(abs(a.means[j] - b.means[j]) <= 1e-12 * max(1, abs(a.means[j])))
            #expect(abs(a.standardDeviations[j] - b.standardDeviations[j]) <= 1e-5 * a.standardDeviations[j], "effect \(j)")
        }
    }

    @Test func singleDrawEqualsBatchedDraw() throws {
        let (density, _) = try KnownCovarianceDensityTests.density(KnownCovarianceDensityTests.cases[0])
        let xs = Self.draws(around: [22.9], sigma: 0.55, count: 3, seed: 3)
        var random = RandomSource(seed: 5)
        let batch = density.drawRandomEffects(at: xs, random: &random)
        random = RandomSource(seed: 5)
        for (t, x) in xs.enumerated() {
            let single = density.drawRandomEffects(at: x, random: &random)
            for j in 0..<single.count { #expect(abs(single[j] - batch[j, t]) <= 1e-12 * max(1, abs(single[j]))) }
        }
    }

    /// Many draws at one x: their means and SDs agree with the dense conditional within Monte
    /// Carlo error (5 standard errors; SD's relative standard error is about 1/√(2T)).
    @Test func drawsHaveTheConditionalDistribution() throws {
        let c = KnownCovarianceDensityTests.cases[0]
        let (density, design) = try KnownCovarianceDensityTests.density(c)
        let (beta, sigma) = c.points[0]
        let x = beta + [log(sigma)]
        let reference = KnownCovarianceReference.conditional(
            design: design, layout: density.randomEffectsLayout, factors: c.factors, beta: beta, sigma: sigma)
        var accumulator = KnownCovarianceRecovery(density: density)
        var random = RandomSource(seed: 2024)
        let t = 4000
        for _ in 0..<t { accumulator.add(drawAt: x, random: &random) }
        let summary = accumulator.summary()
        for j in 0..<density.randomEffectCount {
            let sd = reference.covariance[j + j * density.randomEffectCount].squareRoot()
            #expect(abs(summary.means[j] - reference.mean[j]) <= 5 * sd / Double(t).squareRoot(), "effect \(j) mean")
            #expect(abs(summary.standardDeviations[j] / sd - 1) <= 5 / (2 * Double(t)).squareRoot(), "effect \(j) SD")
        }
        let plate = try #require(summary.means(of: "plate"))
        #expect(plate.rows == 24 && plate.columns == 1)
        #expect(plate[3, 0] == summary.means[3])
        #expect(summary.means(of: "nothing") == nil)
    }

    @Test func emptyAndSingleDrawSummaries() throws {
        let (density, _) = try KnownCovarianceDensityTests.density(KnownCovarianceDensityTests.cases[0])
        var accumulator = KnownCovarianceRecovery(density: density)
        #expect(accumulator.summary().means.allSatisfy { $0.isNaN })
        var random = RandomSource(seed: 1)
        accumulator.add(drawAt: [22.9, log(0.55)], random: &random)
        let summary = accumulator.summary()
        #expect(summary.draws == 1)
        #expect(summary.means.allSatisfy { $0.isFinite })
        #expect(summary.standardDeviations.allSatisfy { $0.isNaN })
        accumulator.add(drawAt: [22.9, 900], random: &random)
        #expect(accumulator.skipped == 1)
    }
}
