import Foundation
import Testing
@testable import Marginal

/// The prior-variance example: the joint log density in (w, log σ²) has no maximum; empirical
/// Bayes and cross-validation give a sensible σ².
@Suite struct PriorVarianceExampleTests {
    /// Central differences of f in both coordinates.
    static func finiteDifferenceGradient(_ f: (Double, Double) -> Double, _ w: Double, _ rho: Double, h: Double = 1e-6) -> [Double] {
        [(f(w + h, rho) - f(w - h, rho)) / (2 * h), (f(w, rho + h) - f(w, rho - h)) / (2 * h)]
    }

    @Test func gradientAndHessianMatchFiniteDifferences() throws {
        let model = try PriorVarianceExample().run().model
        for (w, rho) in [(0.7, -0.3), (-1.2, 0.8), (0.05, -4.0)] {
            let numeric = Self.finiteDifferenceGradient(model.jointLogDensity, w, rho)
            let analytic = model.jointGradient(w: w, logSigma2: rho)
            for i in 0..<2 { #expect(abs(numeric[i] - analytic[i]) < 1e-5 * max(1, abs(analytic[i]))) }
            let hessian = model.jointHessian(w: w, logSigma2: rho)
            let h = 1e-5
            let dw = zip(model.jointGradient(w: w + h, logSigma2: rho), model.jointGradient(w: w - h, logSigma2: rho)).map { ($0 - $1) / (2 * h) }
            let drho = zip(model.jointGradient(w: w, logSigma2: rho + h), model.jointGradient(w: w, logSigma2: rho - h)).map { ($0 - $1) / (2 * h) }
            for i in 0..<2 {
                #expect(abs(hessian[i][0] - dw[i]) < 1e-5 * max(1, abs(dw[i])))
                #expect(abs(hessian[i][1] - drho[i]) < 1e-5 * max(1, abs(drho[i])))
            }
        }
    }

    /// Informative data (ŵ² > 4 Var ŵ): two stationary points, a saddle (Hessian eigenvalues of
    /// opposite signs) at the smaller |w| and a local maximum (both negative) at the larger; the
    /// joint log density along w = σ → 0 rises past both, so neither is a global maximum.
    @Test func stationaryPointsAreASaddleAndANonGlobalLocalMaximum() throws {
        let result = try PriorVarianceExample().run()
        #expect(result.wHat * result.wHat > 4 * result.wHatVariance)
        #expect(result.stationaryPoints.count == 2)
        let saddle = result.stationaryPoints[0], local = result.stationaryPoints[1]
        #expect(saddle.kind == "saddle" && local.kind == "local maximum")
        #expect(saddle.hessianEigenvalues[0] < 0 && saddle.hessianEigenvalues[1] > 0)
        #expect(local.hessianEigenvalues[0] < 0 && local.hessianEigenvalues[1] < 0)
        // They are stationary, σ² = w² there, and w₁w₂ = Var ŵ.
        for point in result.stationaryPoints {
            #expect(abs(point.gradient[0]) < 1e-8 * max(1, result.model.sxx) && abs(point.gradient[1]) < 1e-12)
            #expect(abs(point.sigma2 - point.w * point.w) < 1e-15)
        }
        #expect(abs(saddle.w * local.w - result.wHatVariance) < 1e-14)
        // det H = ½ (1/Var ŵ − 1/w²): negative at the saddle, positive at the maximum.
        for point in result.stationaryPoints {
            let determinant = point.hessian[0][0] * point.hessian[1][1] - point.hessian[0][1] * point.hessian[1][0]
            let expected = 0.5 * (1 / result.wHatVariance - 1 / (point.w * point.w))
            #expect(abs(determinant - expected) < 1e-9 * abs(expected))
        }
        // Unbounded: from w = 10⁻³ on, each step of the path toward 0 rises, and the last point
        // is above the local maximum.
        let tail = result.path.filter { abs($0.w) <= 1e-3 }
        #expect(tail.count >= 6)
        #expect(zip(tail, tail.dropFirst()).allSatisfy { $1.logDensity > $0.logDensity })
        let last = try #require(result.path.last)
        #expect(last.logDensity > local.logDensity)
        // −log|w| growth: two decades add 2 log 10 (to 1e-6 at these tiny w).
        let a = tail[tail.count - 2], b = tail[tail.count - 1]
        #expect(abs((b.logDensity - a.logDensity) - 2 * log(10.0)) < 1e-6)
    }

    /// Weak data (ŵ² < 4 Var ŵ): no stationary point at all, and the density still grows along the path.
    @Test func weakDataHaveNoStationaryPoint() throws {
        let result = try PriorVarianceExample(w: 0.1).run()
        #expect(result.wHat * result.wHat < 4 * result.wHatVariance)
        #expect(result.stationaryPoints.isEmpty)
        let first = try #require(result.path.first), last = try #require(result.path.last)
        #expect(last.logDensity > first.logDensity + 30)
    }

    /// Empirical Bayes: the closed form max(0, ŵ² − Var ŵ), recomputed here from the sums, equals
    /// the numerical maximizer of the marginal likelihood and beats its neighbours.
    @Test(arguments: [(1.0, UInt64(1)), (0.4, 2), (2.5, 3)])
    func empiricalBayesMatchesItsClosedFormAndTheNumericalMaximum(_ w: Double, _ seed: UInt64) throws {
        let result = try PriorVarianceExample(w: w, seed: seed).run()
        let model = result.model
        let wHat = model.sxy / model.sxx
        let closedForm = max(0, wHat * wHat - model.noiseSD * model.noiseSD / model.sxx)
        #expect(closedForm > 0)
        #expect(abs(result.empiricalBayes.closedForm - closedForm) < 1e-14 * closedForm)
        #expect(abs(result.empiricalBayes.numerical - closedForm) < 1e-6 * closedForm)
        let best = model.logMarginalLikelihood(sigma2: closedForm)
        for factor in [0.99, 1.01, 0.5, 2] { #expect(model.logMarginalLikelihood(sigma2: closedForm * factor) < best) }
    }

    /// When ŵ² < Var ŵ the marginal likelihood decreases in σ²: EB says σ̂² = 0, and the
    /// numerical maximizer runs toward 0 until log m is flat to the optimizer's tolerance.
    @Test func empiricalBayesIsZeroWhenTheEstimateIsWithinItsNoise() throws {
        let result = try PriorVarianceExample(w: 0, seed: 3).run()
        #expect(result.wHat * result.wHat < result.wHatVariance)
        #expect(result.empiricalBayes.closedForm == 0)
        #expect(result.empiricalBayes.numerical < 1e-6 * result.wHatVariance)
        let model = result.model
        #expect(model.logMarginalLikelihood(sigma2: result.empiricalBayes.numerical) - model.logMarginalLikelihood(sigma2: 0) > -1e-6)
        #expect(model.logMarginalLikelihood(sigma2: 0) > model.logMarginalLikelihood(sigma2: 0.01))
    }

    /// The marginal likelihood formula against the dense n-variate normal log density of
    /// y ~ N(0, s²I + σ² xxᵀ) (plain Cholesky).
    @Test func marginalLikelihoodMatchesTheDenseGaussian() {
        let x = [0.3, -1.2, 2.0, 0.7, -0.4]
        let y = [0.5, -2.0, 1.7, 1.1, 0.2]
        let s = 0.8, sigma2 = 1.7
        let model = PriorVarianceModel(x: x, y: y, noiseSD: s)
        let n = x.count
        let covariance = (0..<n).map { i in (0..<n).map { j in sigma2 * x[i] * x[j] + (i == j ? s * s : 0) } }
        let l = DenseObjectiveTests.cholesky(covariance)
        let z = DenseObjectiveTests.forwardSolve(l, y)
        let logDet = 2 * (0..<n).reduce(0.0) { $0 + log(l[$1][$1]) }
        let dense = -0.5 * Double(n) * log(2 * Double.pi) - 0.5 * logDet - 0.5 * z.reduce(0) { $0 + $1 * $1 }
        #expect(abs(model.logMarginalLikelihood(sigma2: sigma2) - dense) < 1e-12)
        let h = 1e-6
        let numeric = (model.logMarginalLikelihood(sigma2: sigma2 + h) - model.logMarginalLikelihood(sigma2: sigma2 - h)) / (2 * h)
        #expect(abs(model.logMarginalLikelihoodDerivative(sigma2: sigma2) - numeric) < 1e-7)
    }

    /// Cross-validation picks an interior σ² of the order of ŵ² (not 0, not ∞).
    @Test func crossValidationGivesAnInteriorSensibleSigma2() throws {
        let result = try PriorVarianceExample().run()
        let cv = result.crossValidation
        #expect(cv.folds == 5)
        #expect(cv.sigma2 > result.wHat * result.wHat / 10 && cv.sigma2 < result.wHat * result.wHat * 10)
        #expect(cv.score.isFinite)
    }

    @Test func crossValidationScoreIsMaximizedInTheInterior() {
        var random = RandomSource(seed: 5)
        let x = (0..<30).map { _ in random.normal() }
        let y = x.map { 0.8 * $0 + 0.5 * random.normal() }
        let validation = PredictiveCrossValidation(x: x, y: y, noiseSD: 0.5, folds: 5, random: &random)
        let best = validation.maximize()
        #expect(best.logSigma2 > -20 && best.logSigma2 < 20)
        for offset in [-0.2, 0.2, -25, 25] {
            #expect(validation.score(logSigma2: best.logSigma2 + offset) < best.score)
        }
        // Each observation is held out exactly once, folds of equal size.
        #expect((0..<5).map { k in validation.fold.filter { $0 == k }.count } == [6, 6, 6, 6, 6])
    }

    @Test func invalidSettingsAreTypedErrors() {
        #expect(throws: EstimationError.self) { try PriorVarianceExample(observations: 1).run() }
        #expect(throws: EstimationError.self) { try PriorVarianceExample(noiseSD: 0).run() }
        #expect(throws: EstimationError.self) { try PriorVarianceExample(folds: 1).run() }
        #expect(throws: EstimationError.self) { try PriorVarianceExample(observations: 4, folds: 5).run() }
    }
}
