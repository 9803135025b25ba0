import Foundation
import Testing
@testable import Marginal

/// The pieces of the sampler, checked against hand computations.
@Suite struct NUTSComponentTests {
    /// Stan's schedule for the default buffers (75/25/50) and the 15/75/10 fallback.
    @Test func adaptationWindowEnds() {
        #expect(AdaptationWindows.windowEnds(warmup: 1000) == [99, 149, 249, 449, 949])
        #expect(AdaptationWindows.windowEnds(warmup: 300) == [99, 149, 249])
        #expect(AdaptationWindows.windowEnds(warmup: 500) == [99, 149, 249, 449])
        #expect(AdaptationWindows.windowEnds(warmup: 150) == [99])
        // 15 %/75 %/10 %: init 15, window 75, term 10.
        #expect(AdaptationWindows.windowEnds(warmup: 100) == [89])
        let small = AdaptationWindows(warmup: 100)
        #expect(small.initBuffer == 15 && small.baseWindow == 75 && small.termBuffer == 10)
        #expect(AdaptationWindows.windowEnds(warmup: 20) == [17])
        #expect(AdaptationWindows.windowEnds(warmup: 19) == [])
    }

    /// Two updates of dual averaging worked by hand (μ = log 10, δ = 0.8, γ = 0.05, t₀ = 10,
    /// κ = 0.75), the second with α capped at 1:
    /// t = 1: s̄ = 0.3/11, x = μ − s̄/γ, x̄ = x.
    /// t = 2: s̄ = (10/11)... written out in Python: ε₂ = 7.900158579283462, e^{x̄} = 6.967875403724845.
    @Test func dualAveragingByHand() {
        var averaging = DualAveraging(mu: log(10), delta: 0.8)
        let e1 = averaging.update(acceptStat: 0.5)
        #expect(abs(e1 - exp(log(10) - 0.3 / 11 / 0.05)) < 1e-13)
        #expect(abs(averaging.finalStepSize - e1) < 1e-13)
        let e2 = averaging.update(acceptStat: 1.2)
        #expect(abs(e2 - 7.900158579283462) < 1e-12)
        #expect(abs(averaging.finalStepSize - 6.967875403724845) < 1e-12)
        let e3 = averaging.update(acceptStat: 0.9)
        #expect(abs(e3 - 10) < 1e-12)  // s̄ returns to 0: x = μ
        #expect(abs(averaging.finalStepSize - 8.164524226513267) < 1e-12)
        averaging.restart()
        #expect(averaging.iteration == 0 && averaging.finalStepSize == 1)
    }

    @Test func runningMomentsMatchTwoPassEstimates() {
        var random = RandomSource(seed: 3)
        let rows = (0..<50).map { _ in [random.normal(), 2 * random.normal() + 5, random.normal()] }
        // Each accumulator takes the first 20 rows, a second one the other 30, then merges it
        // (Chan, Golub & LeVeque), as the chains' summaries are pooled: variances only, the full
        // covariance, and a dense block over the first two coordinates with the third's variance.
        var accumulators = [0, 3, 2].map { RunningMoments(dimension: 3, denseCount: $0) }
        var rests = accumulators
        for (index, row) in rows.enumerated() {
            for a in accumulators.indices {
                if index < 20 { accumulators[a].add(row) } else { rests[a].add(row) }
            }
        }
        for a in accumulators.indices { accumulators[a].merge(rests[a]) }
        let (diagonal, dense, blocked) = (accumulators[0], accumulators[1], accumulators[2])
        #expect(diagonal.count == 50)
        let means = (0..<3).map { j in rows.reduce(0) { $0 + $1[j] } / 50 }
        let variances = try? #require(diagonal.estimate())
        let covariance = try? #require(dense.estimate())
        let block = try? #require(blocked.estimate())
        #expect(block?.count == 5)
        for i in 0..<3 {
            for j in 0..<3 {
                let direct = rows.reduce(0) { $0 + ($1[i] - means[i]) * ($1[j] - means[j]) } / 49
                #expect(abs((covariance?[i + 3 * j] ?? .nan) - direct) < 1e-12)
                if i < 2 && j < 2 { #expect(abs((block?[i + 2 * j] ?? .nan) - direct) < 1e-12) }
                if i == j {
                    #expect(abs((variances?[i] ?? .nan) - direct) < 1e-12)
                    #expect(abs(dense.standardDeviations[i] - direct.squareRoot()) < 1e-12)
                    #expect(abs(blocked.standardDeviations[i] - direct.squareRoot()) < 1e-12)
                }
            }
            #expect(abs(diagonal.means[i] - means[i]) < 1e-12)
        }
        let third = rows.reduce(0) { $0 + ($1[2] - means[2]) * ($1[2] - means[2]) } / 49
        #expect(abs((block?[4] ?? .nan) - third) < 1e-12)
        var cleared = diagonal
        cleared.restart()
        #expect(cleared.count == 0 && cleared.estimate() == nil)
    }

    /// A metric dense over the first two of four coordinates is the dense metric of the block
    /// diagonal matrix it stands for: the same velocity, kinetic energy and, from the same
    /// stream, the same momenta (L⁻ᵀz of the block-diagonal factor is the blocks' L⁻ᵀz).
    @Test func blockedMetricIsTheDenseBlockDiagonalMetric() throws {
        let leading = Matrix(rows: 2, columns: 2, elements: [2.0, -0.6, -0.6, 0.5])
        let diagonal = [0.25, 3.0]
        var full = Matrix(rows: 4, columns: 4)
        for j in 0..<2 { for i in 0..<2 { full[i, j] = leading[i, j] } }
        full[2, 2] = diagonal[0]
        full[3, 3] = diagonal[1]
        let blocked = try #require(EuclideanMetric(.blocked(leading: leading, diagonal: diagonal)))
        let dense = try #require(EuclideanMetric(.dense(full)))
        let p = [0.3, -1.2, 2.0, 0.7]
        #expect(zip(blocked.velocity(p), dense.velocity(p)).allSatisfy { abs($0 - $1) < 1e-14 })
        #expect(abs(blocked.kineticEnergy(p) - dense.kineticEnergy(p)) < 1e-14)
        var first = RandomSource(seed: 8), second = RandomSource(seed: 8)
        var a = [Double](repeating: 0, count: 4), b = a
        for _ in 0..<5 {
            blocked.sampleMomentum(into: &a, using: &first)
            dense.sampleMomentum(into: &b, using: &second)
            #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-14 })
        }
        #expect(blocked.inverse.variances == [2.0, 0.5, 0.25, 3.0])
        // A block that is not positive definite, or a diagonal entry that is not positive, is refused.
        #expect(EuclideanMetric(.blocked(leading: Matrix(rows: 2, columns: 2, elements: [1, 2, 2, 1]), diagonal: diagonal)) == nil)
        #expect(EuclideanMetric(.blocked(leading: leading, diagonal: [1, 0])) == nil)
    }

    /// Warmup 20: one window, iterations 3…17 (15 draws); Σ = 15/20·S + 10⁻³·5/20.
    @Test func metricAdaptationShrinksTheWindowVariance() throws {
        var adaptation = MetricAdaptation(warmup: 20, dimension: 2, denseCount: 0)
        let positions = (0..<20).map { i in [Double(i), Double(i * i % 7)] }
        var updates: [(Int, InverseMetric)] = []
        for (i, q) in positions.enumerated() {
            if let metric = try adaptation.learn(position: q, current: .diagonal([1, 1]), chain: 0) {
                updates.append((i, metric))
            }
        }
        #expect(updates.count == 1)
        #expect(updates.first?.0 == 17)
        let window = Array(positions[3...17])
        let variances = (0..<2).map { j -> Double in
            let mean = window.reduce(0) { $0 + $1[j] } / 15
            return window.reduce(0) { $0 + ($1[j] - mean) * ($1[j] - mean) } / 14
        }
        let got = updates.first?.1.variances ?? []
        #expect(got.count == 2)
        for j in 0..<min(2, got.count) {
            #expect(abs(got[j] - (15.0 / 20 * variances[j] + 1e-3 * 5 / 20)) < 1e-12)
        }
    }

    /// One leapfrog step on log p = −q²/2 with unit metric, by hand: p½ = p − (ε/2)q,
    /// q′ = q + εp½, p′ = p½ − (ε/2)q′; and reversing the momentum retraces the step.
    @Test func leapfrogStepByHandAndReversible() throws {
        let metric = try #require(EuclideanMetric(.diagonal([1])))
        var hamiltonian = Hamiltonian(density: IndependentNormal(means: [0], scales: [1]), metric: metric)
        var point = PhaseSpacePoint(position: [0.7])
        hamiltonian.evaluate(&point)
        point.momentum = [-0.3]
        let epsilon = 0.4
        let pHalf = -0.3 - 0.2 * 0.7
        let q = 0.7 + epsilon * pHalf
        let p = pHalf - 0.2 * q
        hamiltonian.leapfrog(&point, stepSize: epsilon)
        #expect(abs(point.position[0] - q) < 1e-15)
        #expect(abs(point.momentum[0] - p) < 1e-15)
        #expect(abs(point.logDensity - (-0.5 * q * q)) < 1e-15)
        point.momentum[0] = -point.momentum[0]
        hamiltonian.leapfrog(&point, stepSize: epsilon)
        #expect(abs(point.position[0] - 0.7) < 1e-14)
        #expect(abs(point.momentum[0] - 0.3) < 1e-14)
        #expect(hamiltonian.gradientEvaluations == 3)
    }

    /// Dense metric Σ = [[2, 1], [1, 3]]: K(p) = ½pᵀΣp by hand, velocity Σp, and momenta
    /// p = L⁻ᵀz with covariance M = Σ⁻¹ = [[3, −1], [−1, 2]]/5.
    @Test func denseMetricKineticEnergyAndMomentumCovariance() throws {
        let sigma = Matrix(rows: 2, columns: 2, elements: [2, 1, 1, 3])
        let metric = try #require(EuclideanMetric(.dense(sigma)))
        let p = [0.5, -1.5]
        #expect(metric.velocity(p) == [2 * 0.5 - 1.5, 0.5 - 4.5])
        #expect(abs(metric.kineticEnergy(p) - 0.5 * (2 * 0.25 + 2 * (0.5 * -1.5) + 3 * 2.25)) < 1e-15)

        var random = RandomSource(seed: 8)
        let n = 40_000
        var sums = [0.0, 0.0, 0.0]
        var momentum = [0.0, 0.0]
        for _ in 0..<n {
            metric.sampleMomentum(into: &momentum, using: &random)
            sums[0] += momentum[0] * momentum[0]
            sums[1] += momentum[0] * momentum[1]
            sums[2] += momentum[1] * momentum[1]
        }
        let expected = [0.6, -0.2, 0.4]
        for k in 0..<3 {
            // Standard error of a second moment of a normal: below √(2/n)·0.6 ≈ 0.0043.
            #expect(abs(sums[k] / Double(n) - expected[k]) < 0.02)
        }
        #expect(EuclideanMetric(.dense(Matrix(rows: 2, columns: 2, elements: [1, 2, 2, 1]))) == nil)
        #expect(EuclideanMetric(.diagonal([1, 0])) == nil)
    }

    /// The generalized criterion: both end velocities must point along ρ.
    @Test func noUTurnCriterion() {
        typealias Sampler = NoUTurnSampler<IndependentNormal>
        #expect(Sampler.noUTurn([1, 0], [1, 1], [2, 0.5]))
        #expect(!Sampler.noUTurn([1, 0], [-1, 0], [2, 0]))
        #expect(!Sampler.noUTurn([-1, 0], [1, 0], [2, 0]))
    }

    @Test func logSumExpHandlesInfinities() {
        #expect(logSumExp(-.infinity, -.infinity) == -.infinity)
        #expect(logSumExp(-.infinity, 2) == 2)
        #expect(abs(logSumExp(log(2), log(3)) - log(5)) < 1e-15)
        #expect(abs(logSumExp(1000, 1000) - (1000 + log(2))) < 1e-12)
    }
}
