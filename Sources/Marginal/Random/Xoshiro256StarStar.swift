/// xoshiro256** 1.0 (Blackman & Vigna, "Scrambled linear pseudorandom number generators",
/// ACM TOMS 2021): a 256-bit-state generator with period 2^256 − 1 that passes BigCrush and
/// PractRand, and whose jump function makes independent streams for parallel chains.
///
/// The state s₀…s₃ advances by the linear map t = s₁ ≪ 17; s₂ ^= s₀; s₃ ^= s₁; s₁ ^= s₂;
/// s₀ ^= s₃; s₂ ^= t; s₃ = rotl(s₃, 45), and each step outputs rotl(5·s₁, 7)·9 computed from
/// the state before the step. Everything is 64-bit integer arithmetic, so a seed gives the same
/// numbers on every platform and every run.
///
/// Seeding follows the authors' advice: a `UInt64` seed drives ``SplitMix64``, whose first four
/// outputs fill the state.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable, Hashable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// A generator whose state is the first four outputs of ``SplitMix64`` started at `seed`.
    public init(seed: UInt64) {
        var expander = SplitMix64(seed: seed)
        s0 = expander.next()
        s1 = expander.next()
        s2 = expander.next()
        s3 = expander.next()
    }

    /// A generator with the given raw state, or `nil` when the state is all zero (the one state
    /// the generator never leaves, so it would output only zeros).
    public init?(state: [UInt64]) {
        guard state.count == 4, state.contains(where: { $0 != 0 }) else { return nil }
        s0 = state[0]
        s1 = state[1]
        s2 = state[2]
        s3 = state[3]
    }

    /// The raw state s₀, s₁, s₂, s₃.
    public var state: [UInt64] { [s0, s1, s2, s3] }

    @inline(__always)
    private static func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = Self.rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = Self.rotateLeft(s3, 45)
        return result
    }

    /// Advances the state by 2^128 steps. Starting from one seed, the streams
    /// x, jump(x), jump(jump(x)), … do not overlap for 2^128 draws each.
    public mutating func jump() {
        applyJump([0x180E_C6D3_3CFD_0ABA, 0xD5A6_1266_F0C9_392C, 0xA958_2618_E03F_C9AA, 0x39AB_DC45_29B1_661C])
    }

    /// Advances the state by 2^192 steps: 2^64 starting points, each with room for 2^64 ``jump()``s.
    public mutating func longJump() {
        applyJump([0x76E1_5D3E_FEFD_CBBF, 0xC500_4E44_1C52_2FB3, 0x7771_0069_854E_E241, 0x3910_9BB0_2ACB_E635])
    }

    /// A copy advanced by 2^128 steps.
    public func jumped() -> Xoshiro256StarStar {
        var copy = self
        copy.jump()
        return copy
    }

    /// The state update is linear over GF(2), so advancing by a fixed number of steps is
    /// multiplying the state by a fixed polynomial in the update matrix; the polynomial's
    /// coefficients are the bits of `polynomial` (least significant bit of the first word first):
    /// the result is the XOR of the states reached after each step whose bit is set.
    private mutating func applyJump(_ polynomial: [UInt64]) {
        var a: UInt64 = 0, b: UInt64 = 0, c: UInt64 = 0, d: UInt64 = 0
        for word in polynomial {
            for bit in 0..<64 {
                if word & (UInt64(1) << UInt64(bit)) != 0 {
                    a ^= s0
                    b ^= s1
                    c ^= s2
                    d ^= s3
                }
                _ = next()
            }
        }
        s0 = a
        s1 = b
        s2 = c
        s3 = d
    }
}
