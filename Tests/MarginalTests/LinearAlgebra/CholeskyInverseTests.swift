import Foundation
import Testing
@testable import Marginal

/// The recursive dense kernels of `CholeskyInverse` against direct definitions: L Lᵀ = A,
/// L W = I and WᵀW = A⁻¹, at sizes below, at and well above the recursion cutoff (so that odd
/// splits and several recursion levels are exercised).
@Suite struct CholeskyInverseTests {
    /// A well-conditioned random SPD matrix B Bᵀ/n + I (both triangles), column-major.
    static func spd(_ n: Int, seed: UInt64) -> [Double] {
        var random = RandomSource(seed: seed)
        let b = (0..<(n * n)).map { _ in random.normal() }
        var a = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            for i in 0..<n {
                var sum = 0.0
                for k in 0..<n { sum += b[i + k * n] * b[j + k * n] }
                a[i + j * n] = sum / Double(n) + (i == j ? 1 : 0)
            }
        }
        return a
    }

    /// max |(L Lᵀ − A)ᵢⱼ|, max |(L W − I)ᵢⱼ| over the lower triangles.
    static func residuals(_ a: [Double], l: [Double], w: [Double], n: Int, lda: Int, ldw: Int) -> (factor: Double, inverse: Double) {
        var factor = 0.0, inverse = 0.0
        for j in 0..<n {
            for i in j..<n {
                var llt = 0.0
                for k in 0...j { llt += l[i + k * lda] * l[j + k * lda] }
                factor = max(factor, abs(llt - a[i + j * n]))
                var lw = 0.0
                for k in j...i { lw += l[i + k * lda] * w[k + j * ldw] }
                inverse = max(inverse, abs(lw - (i == j ? 1 : 0)))
            }
        }
        return (factor, inverse)
    }

    @Test(arguments: [1, 5, 96, 97, 203, 300])
    func factorAndInverseTogether(_ n: Int) throws {
        let a = Self.spd(n, seed: UInt64(n))
        // Leading dimensions larger than n, as in the density's trailing block.
        let lda = n + 3
        var l = [Double](repeating: .nan, count: lda * n)
        for j in 0..<n { for i in 0..<n { l[i + j * lda] = a[i + j * n] } }
        var w = [Double](repeating: .nan, count: n * n)
        let ok = l.withUnsafeMutableBufferPointer { lp in
            w.withUnsafeMutableBufferPointer { wp in
                CholeskyInverse.factorAndInvert(n: n, lp.baseAddress!, lda: lda, wp.baseAddress!, ldw: n)
            }
        }
        #expect(ok)
        let (factor, inverse) = Self.residuals(a, l: l, w: w, n: n, lda: lda, ldw: n)
        #expect(factor < 1e-12 * Double(n), "L Lᵀ − A: \(factor)")
        #expect(inverse < 1e-12 * Double(n), "L W − I: \(inverse)")

        // WᵀW = A⁻¹: A (WᵀW) = I.
        var gram = w
        let gramOK = gram.withUnsafeMutableBufferPointer { CholeskyInverse.gramOfInverse(n: n, $0.baseAddress!, lda: n) }
        #expect(gramOK)
        var worst = 0.0
        for j in 0..<n {
            for i in 0..<n {
                var sum = 0.0
                for k in 0..<n {
                    let g = k >= j ? gram[k + j * n] : gram[j + k * n]
                    sum += a[i + k * n] * g
                }
                worst = max(worst, abs(sum - (i == j ? 1 : 0)))
            }
        }
        #expect(worst < 1e-11 * Double(n), "A·A⁻¹ − I: \(worst)")
    }

    /// Finishing the factor below an already factored leading block gives the same L as a
    /// factorization of the whole matrix.
    @Test(arguments: [(150, 147), (120, 100), (10, 0), (10, 10)])
    func remainderMatchesWholeFactor(_ n: Int, _ split: Int) throws {
        let a = Self.spd(n, seed: 42)
        var whole = a
        let wholeOK = whole.withUnsafeMutableBufferPointer { LAPACK.choleskyLower(n: n, a: $0.baseAddress!, lda: n) }
        #expect(wholeOK)
        var l = a
        var w = [Double](repeating: 0, count: max(split * split, 1))
        let ok = l.withUnsafeMutableBufferPointer { lp in
            w.withUnsafeMutableBufferPointer { wp in
                CholeskyInverse.factorAndInvert(n: split, lp.baseAddress!, lda: n, wp.baseAddress!, ldw: max(split, 1))
                    && CholeskyInverse.factorRemainder(n: n, split: split, lp.baseAddress!, lda: n, inverse: wp.baseAddress!, ldw: max(split, 1))
            }
        }
        #expect(ok)
        var worst = 0.0
        for j in 0..<n { for i in j..<n { worst = max(worst, abs(l[i + j * n] - whole[i + j * n])) } }
        #expect(worst < 1e-12, "\(worst)")
    }

    @Test func notPositiveDefiniteFails() {
        var a = Self.spd(130, seed: 3)
        a[120 + 120 * 130] = -5
        var w = [Double](repeating: 0, count: 130 * 130)
        let ok = a.withUnsafeMutableBufferPointer { ap in
            w.withUnsafeMutableBufferPointer { CholeskyInverse.factorAndInvert(n: 130, ap.baseAddress!, lda: 130, $0.baseAddress!, ldw: 130) }
        }
        #expect(!ok)
    }
}
