import Foundation
import Testing
@testable import Marginal

/// The deviates a generalized model's simulation draws, and its parametric bootstrap.
///
/// Moments use 10⁵ draws and 5 standard errors, as ``RandomDistributionTests``: the mean within
/// 5√(Var/n) and the variance within 5√((μ₄ − σ⁴)/n), with the fourth central moments of each law
/// (Gamma(α): 3α² + 6α; Poisson(μ): μ + 3μ²; Binomial(m, p): mpq(1 + 3(m − 2)pq)).
@Suite struct GeneralizedBootstrapTests {
    static let n = 100_000

    static func check(_ draws: [Double], mean: Double, variance: Double, fourth: Double, _ label: String) {
        let m = draws.reduce(0, +) / Double(draws.count)
        let v = draws.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(draws.count - 1)
        #expect(abs(m - mean) < 5 * (variance / Double(draws.count)).squareRoot(), "\(label) mean \(m) vs \(mean)")
        #expect(abs(v - variance) < 5 * ((fourth - variance * variance) / Double(draws.count)).squareRoot(), "\(label) variance \(v) vs \(variance)")
    }

    @Test(arguments: [0.3, 1.0, 4.5])
    func gammaMoments(_ alpha: Double) {
        var random = RandomSource(seed: 11)
        let draws = (0..<Self.n).map { _ in random.gamma(shape: alpha) }
        #expect(draws.allSatisfy { $0 > 0 })
        Self.check(draws, mean: alpha, variance: alpha, fourth: 3 * alpha * alpha + 6 * alpha, "Gamma(\(alpha))")
    }

    /// Both of Poisson's samplers: multiplication below μ = 10, PTRS above; and PTRS's mass at the
    /// mode against the exact probability.
    @Test(arguments: [0.7, 6.0, 10.0, 85.0])
    func poissonMoments(_ mu: Double) {
        var random = RandomSource(seed: 12)
        let draws = (0..<Self.n).map { _ in random.poisson(mean: mu) }
        #expect(draws.allSatisfy { $0 >= 0 && $0 == $0.rounded() })
        Self.check(draws, mean: mu, variance: mu, fourth: mu + 3 * mu * mu, "Poisson(\(mu))")
        let mode = mu.rounded(.down)
        let exact = exp(-mu + mode * log(mu) - lgamma(mode + 1))
        let frequency = Double(draws.filter { $0 == mode }.count) / Double(Self.n)
        #expect(abs(frequency - exact) < 5 * (exact * (1 - exact) / Double(Self.n)).squareRoot(), "P(X = \(mode)) \(frequency) vs \(exact)")
    }

    @Test func binomialMoments() {
        var random = RandomSource(seed: 13)
        let (m, p) = (12, 0.3)
        let draws = (0..<Self.n).map { _ in random.binomial(trials: m, probability: p) }
        let (mean, variance) = (Double(m) * p, Double(m) * p * (1 - p))
        Self.check(draws, mean: mean, variance: variance, fourth: variance * (1 + 3 * Double(m - 2) * p * (1 - p)), "Binomial(12, 0.3)")
    }

    /// On cbpp (logit), 200 bootstrap refits: reproducible for a seed, every refit succeeds, and the
    /// bootstrap spread of each β agrees with the Hessian's standard error (the 95% interval's width
    /// within 25% of 2·1.96·SE: with 200 replicates the width's relative error is about 10%).
    @Test func cbppBootstrapMatchesTheStandardErrors() throws {
        let model = try GeneralizedReferenceTests.cbppModel()
        let fit = try model.fit()
        let intervals = model.parametricBootstrap(fit, simulations: 200, seed: 5)
        #expect(intervals.failed == 0)
        #expect(intervals.intervals.map(\.name) == ["b[(Intercept)]", "b[period2]", "b[period3]", "b[period4]", "sd[herd][(Intercept)]"])
        for (interval, effect) in zip(intervals.intervals, fit.fixedEffects) {
            #expect(interval.lower < effect.estimate && effect.estimate < interval.upper)
            let ratio = (interval.upper - interval.lower) / (2 * 1.959964 * effect.standardError)
            #expect(abs(ratio - 1) < 0.25, "\(interval.name): width / (2·1.96·SE) = \(ratio)")
        }
        let again = model.parametricBootstrap(fit, simulations: 200, seed: 5)
        #expect(again.intervals.map(\.lower) == intervals.intervals.map(\.lower))
    }
}
