#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import Marginal

/// A generator that replays fixed outputs, to check the transforms bit by bit.
private struct ReplayGenerator: RandomNumberGenerator {
    var outputs: [UInt64]
    var position = 0
    mutating func next() -> UInt64 {
        defer { position += 1 }
        return outputs[position % outputs.count]
    }
}

/// Moment checks use 10⁵ draws and a bound of 5 standard errors (a fixed seed makes each test
/// deterministic; for a correct sampler the chance that a seed lands outside is below 10⁻⁶):
/// mean: |x̄ − μ| < 5·σ/√n; variance: |s² − σ²| < 5·√((μ₄ − σ⁴)/n) (for the normal, μ₄ = 3σ⁴,
/// so 5·σ²·√(2/n) ≈ 0.0224 at σ = 1).
@Suite struct RandomDistributionTests {
    static let n = 100_000

    static func moments(_ x: [Double]) -> (mean: Double, variance: Double) {
        let mean = x.reduce(0, +) / Double(x.count)
        let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count - 1)
        return (mean, variance)
    }

    @Test func uniformTransformUsesTopBits() {
        var generator = ReplayGenerator(outputs: [UInt64.max, 0, 1 << 11, (1 << 11) - 1])
        #expect(generator.nextUniform() == 1 - 0x1.0p-53)
        #expect(generator.nextUniform() == 0)
        #expect(generator.nextUniform() == 0x1.0p-53)
        #expect(generator.nextUniform() == 0)  // the low 11 bits are discarded
    }

    @Test func openUniformRedrawsZero() {
        var generator = ReplayGenerator(outputs: [0, 5, 3 << 11])
        #expect(generator.nextOpenUniform() == 3 * 0x1.0p-53)
        #expect(generator.position == 3)
    }

    @Test func boundedIntegerUsesHighWordAndRejectsBiasedLowWords() {
        // bound 10: 2^64 mod 10 = 6, so a product whose low word is < 6 is redrawn.
        var generator = ReplayGenerator(outputs: [UInt64.max, 0, (UInt64(1) << 63) + 1])
        #expect(generator.nextInteger(below: 10) == 9)  // ⌊(2^64 − 1)·10 / 2^64⌋
        #expect(generator.nextInteger(below: 10) == 5)  // 0 is rejected (low word 0 < 6); (2^63 + 1)·10 = 5·2^64 + 10 → 5
        #expect(generator.position == 3)
        #expect(generator.nextInteger(below: 1) == 0)
        #expect(generator.nextInteger(below: 0) == 0)
    }

    @Test func boundedIntegersAreUniform() {
        // Pearson χ² over 10 cells, 9 degrees of freedom: 27.88 is the 0.999 quantile.
        var random = RandomSource(seed: 11)
        var counts = [Int](repeating: 0, count: 10)
        for _ in 0..<Self.n { counts[random.integer(below: 10)] += 1 }
        let expected = Double(Self.n) / 10
        let chiSquare = counts.reduce(0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        #expect(chiSquare < 27.88)
    }

    @Test func uniformMoments() {
        var random = RandomSource(seed: 3)
        let x = (0..<Self.n).map { _ in random.uniform() }
        #expect(x.allSatisfy { $0 >= 0 && $0 < 1 })
        let (mean, variance) = Self.moments(x)
        // σ² = 1/12, μ₄ = 1/80: SE(mean) = 0.000913, SE(variance) = √((1/80 − 1/144)/n) = 0.000236.
        #expect(abs(mean - 0.5) < 5 * 0.000913)
        #expect(abs(variance - 1.0 / 12) < 5 * 0.000236)
    }

    @Test(arguments: [1, 2, 12345] as [UInt64])
    func normalMoments(seed: UInt64) {
        var random = RandomSource(seed: seed)
        let x = (0..<Self.n).map { _ in random.normal() }
        let (mean, variance) = Self.moments(x)
        #expect(abs(mean) < 5 / Double(Self.n).squareRoot())  // 0.0158
        #expect(abs(variance - 1) < 5 * (2 / Double(Self.n)).squareRoot())  // 0.0224
        // Tail mass: P(|Z| > 1.959964) = 0.05, SE = √(0.05·0.95/n) = 0.000689.
        let tail = Double(x.filter { abs($0) > 1.959964 }.count) / Double(Self.n)
        #expect(abs(tail - 0.05) < 5 * 0.000689)
    }

    @Test func normalDistributionPassesKolmogorovSmirnov() {
        // D = sup |F_n − Φ|; the 0.999 quantile of √n·D is 1.949 (Kolmogorov distribution).
        var random = RandomSource(seed: 99)
        let x = (0..<Self.n).map { _ in random.normal() }.sorted()
        var d = 0.0
        for (i, value) in x.enumerated() {
            let phi = 0.5 * erfc(-value / 2.0.squareRoot())
            d = max(d, abs(Double(i + 1) / Double(Self.n) - phi), abs(phi - Double(i) / Double(Self.n)))
        }
        #expect(d < 1.949 / Double(Self.n).squareRoot())
    }

    @Test func normalWithMeanAndScale() {
        var a = RandomSource(seed: 5)
        var b = RandomSource(seed: 5)
        for _ in 0..<10 {
            #expect(a.normal(mean: 2, standardDeviation: 3) == 2 + 3 * b.normal())
        }
    }

    @Test func exponentialMoments() {
        // Rate 1: mean 1, variance 1, μ₄ = 9: SE(mean) = 0.00316, SE(variance) = √(8/n) = 0.00894.
        var random = RandomSource(seed: 8)
        let x = (0..<Self.n).map { _ in random.exponential() }
        #expect(x.allSatisfy { $0 >= 0 && $0.isFinite })
        let (mean, variance) = Self.moments(x)
        #expect(abs(mean - 1) < 5 * 0.00316)
        #expect(abs(variance - 1) < 5 * 0.00894)
    }

    @Test func shuffleIsAReproduciblePermutation() {
        var a = RandomSource(seed: 21)
        var b = RandomSource(seed: 21)
        var x = Array(0..<1_000)
        var y = x
        a.shuffle(&x)
        b.shuffle(&y)
        #expect(x == y)
        #expect(x != Array(0..<1_000))
        #expect(x.sorted() == Array(0..<1_000))
        var empty: [Int] = []
        a.shuffle(&empty)
        #expect(empty.isEmpty)
    }

    @Test func shuffleMovesEachElementUniformly() {
        // Position of element 0 after shuffling 5 elements, 50,000 times: each of the 5
        // positions with probability 1/5; χ² with 4 degrees of freedom, 0.999 quantile 18.47.
        var random = RandomSource(seed: 4)
        var counts = [Int](repeating: 0, count: 5)
        for _ in 0..<50_000 {
            var x = Array(0..<5)
            random.shuffle(&x)
            if let position = x.firstIndex(of: 0) { counts[position] += 1 }
        }
        let expected = 10_000.0
        let chiSquare = counts.reduce(0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        #expect(chiSquare < 18.47)
    }
}
