#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A seeded stream of random draws: a ``Xoshiro256StarStar`` generator plus the spare normal
/// deviate of the polar method. Same seed, same draws, on every platform.
///
/// For parallel work (chains, simulation components) use ``streams(seed:count:)``: stream k
/// starts 2^128·k steps into the sequence of `seed`, so the streams never overlap in practice
/// and stream k's draws do not depend on how many draws the other streams make.
public struct RandomSource: RandomNumberGenerator, Sendable {
    /// The underlying generator.
    public private(set) var generator: Xoshiro256StarStar
    private var spareNormal: Double?

    /// A stream seeded through SplitMix64 (see ``Xoshiro256StarStar/init(seed:)``).
    public init(seed: UInt64) {
        self.init(generator: Xoshiro256StarStar(seed: seed))
    }

    public init(generator: Xoshiro256StarStar) {
        self.generator = generator
        spareNormal = nil
    }

    /// `count` non-overlapping streams from one seed: stream 0 is `RandomSource(seed:)`, and
    /// stream k + 1 is stream k's generator advanced by ``Xoshiro256StarStar/jump()``.
    public static func streams(seed: UInt64, count: Int) -> [RandomSource] {
        var generator = Xoshiro256StarStar(seed: seed)
        var result: [RandomSource] = []
        result.reserveCapacity(max(count, 0))
        for _ in 0..<max(count, 0) {
            result.append(RandomSource(generator: generator))
            generator.jump()
        }
        return result
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        generator.next()
    }

    /// A uniform double in [0, 1) from the top 53 bits of one output.
    public mutating func uniform() -> Double {
        nextUniform()
    }

    /// A uniform double in (0, 1).
    public mutating func openUniform() -> Double {
        nextOpenUniform()
    }

    /// A uniform integer in 0..<`bound` (0 when `bound` ≤ 1), without modulo bias.
    public mutating func integer(below bound: Int) -> Int {
        nextInteger(below: bound)
    }

    /// A Bernoulli draw: `true` with probability `p` (u < p for u uniform in [0, 1)).
    public mutating func bernoulli(_ p: Double) -> Bool {
        uniform() < p
    }

    /// A standard normal deviate by Marsaglia's polar method: draw (v₁, v₂) uniform on the
    /// square [−1, 1)², keep it when 0 < s = v₁² + v₂² < 1, and return v₁·f and v₂·f with
    /// f = √(−2 log s / s), which are independent N(0, 1). The second is kept for the next call.
    public mutating func normal() -> Double {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        while true {
            let v1 = 2 * uniform() - 1
            let v2 = 2 * uniform() - 1
            let s = v1 * v1 + v2 * v2
            if s < 1, s > 0 {
                let factor = (-2 * log(s) / s).squareRoot()
                spareNormal = v2 * factor
                return v1 * factor
            }
        }
    }

    /// A normal deviate with the given mean and standard deviation.
    public mutating func normal(mean: Double, standardDeviation: Double) -> Double {
        mean + standardDeviation * normal()
    }

    /// A standard exponential deviate (rate 1) by inversion: −log u, u uniform in (0, 1).
    public mutating func exponential() -> Double {
        -log(openUniform())
    }

    /// Shuffles `array` in place by Fisher–Yates with this stream's unbiased integers.
    public mutating func shuffle<Element>(_ array: inout [Element]) {
        var i = array.count - 1
        while i > 0 {
            let j = integer(below: i + 1)
            array.swapAt(i, j)
            i -= 1
        }
    }
}
