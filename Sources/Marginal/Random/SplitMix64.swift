/// SplitMix64 (Steele, Lea & Flood 2014, as given by Vigna): a 64-bit generator whose only use
/// here is to expand one `UInt64` seed into the 256-bit state of ``Xoshiro256StarStar``.
///
/// Each step adds the golden-ratio increment 0x9E3779B97F4A7C15 to the state and returns a
/// bijective mix of the new state: x ← x ⊕ (x ≫ 30), x ← x·0xBF58476D1CE4E5B9,
/// x ← x ⊕ (x ≫ 27), x ← x·0x94D049BB133111EB, x ← x ⊕ (x ≫ 31). Successive outputs of any
/// seed (zero included) are distinct for 2^64 steps, so the expanded state is never all zero.
public struct SplitMix64: RandomNumberGenerator, Sendable, Equatable {
    /// The running sum of increments.
    public var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
