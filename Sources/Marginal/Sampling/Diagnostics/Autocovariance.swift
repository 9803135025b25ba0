/// Autocovariances of one chain, computed by FFT.
///
/// For draws x_1, …, x_N with mean x̄ this returns the biased estimates
/// γ̂_t = (1/N) Σ_{n=1}^{N−t} (x_n − x̄)(x_{n+t} − x̄), t = 0, …, N − 1,
/// the form Geyer (1992) recommends and the one `posterior` and ArviZ use (posterior scales its
/// FFT output so that γ̂_0 = var(x)·(N − 1)/N, which is the same number).
///
/// Method (Wiener–Khinchin): centre, zero-pad to a power of two M ≥ 2N so that the circular
/// correlation equals the linear one, take |FFT|², transform back and divide by M·N.
/// A constant chain gives all zeros, as in `posterior`.
enum Autocovariance {
    static func biased(_ x: [Double]) -> [Double] {
        let n = x.count
        guard n > 0 else { return [] }
        var mean = 0.0
        for value in x { mean += value }
        mean /= Double(n)
        let m = FastFourierTransform.powerOfTwo(atLeast: 2 * n)
        var real = [Double](repeating: 0, count: m)
        var imaginary = [Double](repeating: 0, count: m)
        for i in 0..<n { real[i] = x[i] - mean }
        FastFourierTransform.transform(real: &real, imaginary: &imaginary)
        for k in 0..<m {
            real[k] = real[k] * real[k] + imaginary[k] * imaginary[k]
            imaginary[k] = 0
        }
        FastFourierTransform.transform(real: &real, imaginary: &imaginary, inverse: true)
        let scale = 1 / (Double(m) * Double(n))
        var result = [Double](repeating: 0, count: n)
        for t in 0..<n { result[t] = real[t] * scale }
        return result
    }
}
