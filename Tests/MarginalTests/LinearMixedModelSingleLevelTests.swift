import Foundation
import Testing
@testable import Marginal

/// A grouping factor with one level (lme4 refuses it) is fitted with a warning. On the data of
/// `marginal example prior-variance`, `y ~ 0 + (0 + x | g)` is the 1-D Bayesian regression
/// y = w x + ε, w ~ N(0, σ_w²), and its ML fit is empirical Bayes over (σ_w², s²), whose maximizer
/// is computed here by hand from Sxx, Sxy, Syy: with RSS = Syy − Sxy²/Sxx and ŝ² = RSS/(n − 1),
/// σ̂_w² = Sxy²/Sxx² − ŝ²/Sxx when that is ≥ 0, else σ̂_w² = 0 and ŝ² = Syy/n. That point is
/// checked against the dense n-variate normal (value and vanishing gradient), then against the
/// engine's ML, REML (= ML, no fixed effects) and EM fits.
@Suite struct LinearMixedModelSingleLevelTests {
    struct HandComputed {
        var sigma2: Double
        var noiseVariance: Double
        var deviance: Double
    }

    /// The maximizer of the marginal likelihood over (σ_w², s²), from the sums of squares.
    static func handComputed(x: [Double], y: [Double]) -> HandComputed {
        let n = Double(x.count)
        var sxx = 0.0, sxy = 0.0, syy = 0.0
        for i in x.indices {
            sxx += x[i] * x[i]
            sxy += x[i] * y[i]
            syy += y[i] * y[i]
        }
        let rss = syy - sxy * sxy / sxx
        let s2 = rss / (n - 1)
        let sigma2 = sxy * sxy / (sxx * sxx) - s2 / sxx
        if sigma2 >= 0 {
            return HandComputed(sigma2: sigma2, noiseVariance: s2, deviance: denseDeviance(x: x, y: y, sigma2: sigma2, noiseVariance: s2))
        }
        return HandComputed(sigma2: 0, noiseVariance: syy / n, deviance: denseDeviance(x: x, y: y, sigma2: 0, noiseVariance: syy / n))
    }

    /// −2 log N(y; 0, s²I + σ_w² xxᵀ) by a plain dense Cholesky.
    static func denseDeviance(x: [Double], y: [Double], sigma2: Double, noiseVariance: Double) -> Double {
        let n = x.count
        let covariance = (0..<n).map { i in (0..<n).map { j in sigma2 * x[i] * x[j] + (i == j ? noiseVariance : 0) } }
        let l = DenseObjectiveTests.cholesky(covariance)
        let z = DenseObjectiveTests.forwardSolve(l, y)
        let logDet = 2 * (0..<n).reduce(0.0) { $0 + log(l[$1][$1]) }
        return Double(n) * log(2 * Double.pi) + logDet + z.reduce(0) { $0 + $1 * $1 }
    }

    static func columns(_ data: DataFrame) throws -> (x: [Double], y: [Double]) {
        guard case .numeric(let x) = try data.column("x"), case .numeric(let y) = try data.column("y") else {
            Issue.record("x and y must be numeric")
            return ([], [])
        }
        return (x.values, y.values)
    }

    /// Interior optima (ŵ² > ŝ²/Sxx): small and large n, w of different sizes.
    @Test(arguments: [(20, 1.0, UInt64(1)), (200, 2.0, 9), (20, 0.1, 2)])
    func mlFitIsEmpiricalBayesWithTheNoiseEstimated(_ observations: Int, _ w: Double, _ seed: UInt64) throws {
        let example = PriorVarianceExample(observations: observations, w: w, seed: seed)
        let data = try example.simulatedData()
        let (x, y) = try Self.columns(data)
        let hand = Self.handComputed(x: x, y: y)
        try #require(hand.sigma2 > 0)
        // The hand-computed point maximizes the dense likelihood: zero gradient in (σ_w², s²).
        for (dw, ds) in [(1e-5, 0.0), (0.0, 1e-5)] {
            let up = Self.denseDeviance(x: x, y: y, sigma2: hand.sigma2 + dw, noiseVariance: hand.noiseVariance + ds)
            let down = Self.denseDeviance(x: x, y: y, sigma2: hand.sigma2 - dw, noiseVariance: hand.noiseVariance - ds)
            #expect(abs(up - down) / 2e-5 < 1e-5)
            #expect(up > hand.deviance && down > hand.deviance)
        }

        let model = try LinearMixedModel(formula: PriorVarianceExample.formula, data: data)
        for criterion in [FitCriterion.ml, .reml] {
            let fit = try model.fit(criterion: criterion)
            let sd = try #require(fit.varianceComponents.first?.standardDeviations.first)
            #expect(abs(sd * sd - hand.sigma2) < 1e-6 * hand.sigma2, "\(criterion): \(sd * sd) vs \(hand.sigma2)")
            #expect(abs(fit.sigma * fit.sigma - hand.noiseVariance) < 1e-6 * hand.noiseVariance)
            #expect(abs(fit.objective - hand.deviance) < 1e-9 * hand.deviance)
            #expect(fit.warnings.contains { $0.contains("single level") && $0.contains("lme4 refuses") })
        }
        let em = try model.fitEM()
        let emSD = try #require(em.varianceComponents.first?.standardDeviations.first)
        #expect(abs(emSD * emSD - hand.sigma2) < 1e-5 * hand.sigma2)

        // The example's own closed form agrees, and differs from the known-s one.
        let result = try example.run()
        let estimated = try #require(result.empiricalBayes.noiseEstimated)
        #expect(abs(estimated.sigma2 - hand.sigma2) < 1e-12 * hand.sigma2)
        #expect(abs(estimated.noiseSD * estimated.noiseSD - hand.noiseVariance) < 1e-12 * hand.noiseVariance)
        #expect(abs(estimated.deviance - hand.deviance) < 1e-10 * hand.deviance)
        #expect(result.empiricalBayes.closedForm != estimated.sigma2)
    }

    /// ŵ² < ŝ²/Sxx: the maximum is on the boundary σ_w² = 0, a singular fit with ŝ² = Syy/n.
    @Test func boundaryOptimumIsASingularFit() throws {
        let example = PriorVarianceExample(w: 0.3, seed: 5)
        let data = try example.simulatedData()
        let (x, y) = try Self.columns(data)
        let hand = Self.handComputed(x: x, y: y)
        try #require(hand.sigma2 == 0)
        let fit = try LinearMixedModel(formula: PriorVarianceExample.formula, data: data).fit(criterion: .ml)
        let sd = try #require(fit.varianceComponents.first?.standardDeviations.first)
        #expect(sd * sd < 1e-10 * hand.noiseVariance)
        #expect(fit.isSingular)
        #expect(abs(fit.sigma * fit.sigma - hand.noiseVariance) < 1e-8 * hand.noiseVariance)
        #expect(abs(fit.objective - hand.deviance) < 1e-9 * hand.deviance)
        let estimated = try #require(try example.run().empiricalBayes.noiseEstimated)
        #expect(estimated.sigma2 == 0 && abs(estimated.deviance - hand.deviance) < 1e-10 * hand.deviance)
    }

    /// The one-level factor next to an ordinary one: both fit, one warning, and lme4's other rule
    /// (fewer levels than observations) still holds.
    @Test func oneLevelBesideAnOrdinaryFactorAndTheLevelsRuleStillHolds() throws {
        let y: [Double] = [1.2, 2.3, 0.7, 3.1, 2.2, 1.9, 0.4, 2.8]
        let data = try DataFrame([
            ("y", .numeric(NumericColumn(y))),
            ("g", .categorical(CategoricalColumn(labels: ["a", "a", "b", "b", "c", "c", "d", "d"]))),
            ("h", .categorical(CategoricalColumn(labels: Array(repeating: "only", count: 8)))),
            ("id", .categorical(CategoricalColumn(labels: (1...8).map(String.init)))),
        ])
        let model = try LinearMixedModel(formula: "y ~ 1 + (1 | g) + (1 | h)", data: data)
        let fit = try model.fit(criterion: .ml)
        #expect(fit.varianceComponents.map(\.group) == ["g", "h"])
        #expect(fit.warnings.filter { $0.contains("single level") }.count == 1)
        #expect(fit.objective.isFinite)
        #expect(throws: MixedModelError.tooManyLevels(group: "id", levels: 8, observations: 8)) {
            try LinearMixedModel(formula: "y ~ 1 + (1 | id) + (1 | h)", data: data)
        }
    }
}
