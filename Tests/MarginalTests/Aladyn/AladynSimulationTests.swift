import Foundation
import Testing
@testable import Marginal

/// The simulator, the data-only starting point and the objective's threading.
@Suite struct AladynSimulationTests {
    static let small = AladynDimensions(individuals: 300, diseases: 10, ages: 20, signatures: 3, covariates: 4)

    /// The number of diagnoses against its expectation Σ_id (1 − Π_t (1 − π_idt)) under the true
    /// parameters, computed here from λ and φ directly; within 4 SD (Poisson-binomial).
    @Test func diagnosesMatchTheTrueHazards() throws {
        let simulation = try AladynSimulation(dimensions: Self.small, seed: 3)
        let d = Self.small
        let (kt, t, dCount) = (d.totalSignatures, d.ages, d.diseases)
        let lambda = Array(simulation.truth[.trajectories]), phi = Array(simulation.truth[.diseaseLogits])
        var mean = 0.0, variance = 0.0
        for i in 0..<d.individuals {
            for dd in 0..<dCount {
                var survival = 1.0
                for a in 0..<t {
                    let weights = (0..<kt).map { exp(lambda[(i * kt + $0) * t + a]) }
                    let total = weights.reduce(0, +)
                    let pi = (0..<kt).reduce(0.0) { $0 + weights[$1] / total / (1 + exp(-phi[($1 * dCount + dd) * t + a])) }
                    survival *= 1 - pi
                }
                mean += 1 - survival
                variance += survival * (1 - survival)
            }
        }
        let observed = Double(simulation.outcomes.diagnosisCount)
        #expect(abs(observed - mean) < 4 * variance.squareRoot(), "observed \(observed), expected \(mean) ± \(variance.squareRoot())")
        let again = try AladynSimulation(dimensions: Self.small, seed: 3)
        #expect(again.outcomes == simulation.outcomes && again.truth == simulation.truth)
    }

    /// The objective split over two threads equals the one-thread value and gradient.
    @Test func threadsAgree() throws {
        let simulation = try AladynSimulation(dimensions: Self.small, seed: 4)
        let model = try simulation.model()
        let one = try AladynObjective(model: model, form: .centred, threads: 1).valueAndGradient(simulation.truth)
        let two = try AladynObjective(model: model, form: .centred, threads: 2).valueAndGradient(simulation.truth)
        #expect(abs(one.value - two.value) < 1e-12 * abs(one.value))
        #expect(zip(one.gradient, two.gradient).allSatisfy { abs($0 - $1) < 1e-13 })
    }

    /// Spectral clustering separates three blocks of an affinity matrix (0.9 within a block, 0.1
    /// between, perturbed), whatever numbers it gives them.
    @Test func spectralClusteringSeparatesBlocks() throws {
        let blocks = [0, 1, 2, 0, 1, 2, 2, 0, 1, 1, 0, 2]
        let n = blocks.count
        var affinity = [Double](repeating: 0, count: n * n)
        for a in 0..<n {
            for b in 0..<n {
                affinity[a * n + b] = (blocks[a] == blocks[b] ? 0.9 : 0.1) + 0.02 * sin(Double(min(a, b) * 7 + max(a, b)))
            }
        }
        var random = RandomSource(seed: 1)
        let labels = try SpectralClustering.labels(affinity: affinity, count: n, clusters: 3, random: &random)
        #expect(Set(zip(labels, blocks).map { [$0, $1] }).count == 3, "labels \(labels)")
        #expect(Set(labels).count == 3)
    }

    /// The smoothed at-risk prevalence against SciPy (`gaussian_filter1d`, σ = 5, on the fixture's
    /// diseases 0 and 3; values printed by NumPy/SciPy 1.17 with the published round trip).
    @Test func prevalenceMatchesSciPy() throws {
        let model = try AladynFixture.model()
        let mu = AladynPrevalence.smoothedLogit(model.outcomes)
        let scipy0 = [-9.77324225830757, -9.73354249070248, -9.66456507818572, -9.58456866466007, -9.51513846054804, -9.47497868419689]
        let scipy3 = [-9.87187618124507, -9.83637538010693, -9.77498234503378, -9.704260707898, -9.64332191091021, -9.60825579386926]
        for a in 0..<6 {
            #expect(abs(mu[a] - scipy0[a]) < 1e-9)
            #expect(abs(mu[3 * 6 + a] - scipy3[a]) < 1e-9)
        }
    }

    /// The Mann–Whitney AUC on hand-countable cases: 4 of 4 pairs ordered; a tie counts one half.
    @Test func areaUnderCurveCountsPairs() {
        #expect(AladynPrediction.mannWhitneyAUC([(0.1, false), (0.4, true), (0.35, false), (0.8, true)]) == 1)
        #expect(AladynPrediction.mannWhitneyAUC([(0.5, true), (0.5, false), (0.2, false)]) == 0.75)
        #expect(AladynPrediction.mannWhitneyAUC([(0.5, true)]) == nil)
    }
}
