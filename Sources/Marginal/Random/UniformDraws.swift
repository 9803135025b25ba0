/// Platform-independent uniform draws built from 64-bit outputs, so that a seeded generator
/// gives the same doubles and integers everywhere (the standard library's `random(in:using:)`
/// makes no such promise across Swift versions).
extension RandomNumberGenerator {
    /// A uniform double in [0, 1): the top 53 bits of one output times 2^−53, so every value
    /// is a multiple of 2^−53 and 1 is never returned.
    @inlinable
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform double in the open interval (0, 1): ``nextUniform()`` redrawn while it is
    /// exactly 0 (probability 2^−53 per draw), for transforms such as −log u that need u > 0.
    @inlinable
    public mutating func nextOpenUniform() -> Double {
        while true {
            let u = nextUniform()
            if u > 0 { return u }
        }
    }

    /// A uniform integer in 0..<`bound` without modulo bias (Lemire 2019, "Fast random integer
    /// generation in an interval"): the high word of output × bound, redrawn when the low word
    /// falls in the short first 2^64 mod bound values. Returns 0 when `bound` ≤ 1.
    @inlinable
    public mutating func nextInteger(below bound: Int) -> Int {
        guard bound > 1 else { return 0 }
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold {
                product = next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }
}
