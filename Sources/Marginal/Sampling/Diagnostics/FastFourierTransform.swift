#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An in-place radix-2 fast Fourier transform of a complex sequence held as separate real and
/// imaginary arrays whose common length is a power of two.
///
/// The forward transform is X_k = Σ_{n=0}^{M−1} x_n e^{−2πi kn/M}; the inverse uses e^{+2πi kn/M}
/// and is left unscaled (divide by M to invert), as R's `fft(inverse = TRUE)` does. The algorithm
/// is the iterative Cooley–Tukey decimation in time (Cooley & Tukey 1965): a bit-reversal
/// permutation followed by log₂ M passes of butterflies, O(M log M) operations.
///
/// Written by hand because no maintained Swift FFT package is available to this project (the
/// package mirror has none, and Accelerate's vDSP exists only on Apple platforms); the
/// diagnostics need nothing more than power-of-two lengths, where radix 2 is simple and exact to
/// rounding.
enum FastFourierTransform {
    /// Transforms (`real`, `imaginary`) in place; `inverse` selects the sign +1 in the exponent.
    /// Both arrays must have the same power-of-two length (lengths 0 and 1 are left unchanged).
    static func transform(real: inout [Double], imaginary: inout [Double], inverse: Bool = false) {
        let m = real.count
        guard m > 1, imaginary.count == m, m & (m - 1) == 0 else { return }
        // Bit-reversal permutation.
        var j = 0
        for i in 1..<m {
            var bit = m >> 1
            while j & bit != 0 {
                j ^= bit
                bit >>= 1
            }
            j |= bit
            if i < j {
                real.swapAt(i, j)
                imaginary.swapAt(i, j)
            }
        }
        // Butterflies over blocks of length 2, 4, …, M.
        let sign: Double = inverse ? 1 : -1
        var length = 2
        while length <= m {
            let half = length / 2
            let angle = sign * 2 * Double.pi / Double(length)
            for k in 0..<half {
                // Twiddle factors computed directly (not by recurrence) to keep rounding at one ulp.
                let wr = cos(angle * Double(k))
                let wi = sin(angle * Double(k))
                var start = 0
                while start < m {
                    let a = start + k
                    let b = a + half
                    let tr = wr * real[b] - wi * imaginary[b]
                    let ti = wr * imaginary[b] + wi * real[b]
                    real[b] = real[a] - tr
                    imaginary[b] = imaginary[a] - ti
                    real[a] += tr
                    imaginary[a] += ti
                    start += length
                }
            }
            length *= 2
        }
    }

    /// The smallest power of two that is at least `n` (1 for n ≤ 1).
    static func powerOfTwo(atLeast n: Int) -> Int {
        var m = 1
        while m < n { m <<= 1 }
        return m
    }
}
