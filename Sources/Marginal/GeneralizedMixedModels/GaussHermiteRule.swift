import CLapack
import Foundation

/// The K-point Gauss–Hermite rule ∫ f(x) e^{−x²} dx ≈ Σₖ wₖ f(xₖ), exact for polynomials of degree
/// 2K − 1, by Golub & Welsch (1969): the nodes are the eigenvalues of the symmetric tridiagonal
/// Jacobi matrix of the Hermite polynomials (zero diagonal, off-diagonal √(k/2)), and wₖ = √π vₖ₁²
/// with vₖ₁ the first component of the k-th normalized eigenvector (LAPACK `dstev`).
struct GaussHermiteRule: Sendable {
    let nodes: [Double]
    let weights: [Double]

    /// Nil when LAPACK fails (it does not for K ≥ 1).
    init?(points k: Int) {
        guard k >= 1 else { return nil }
        var diagonal = [Double](repeating: 0, count: k)
        var offDiagonal = (1..<max(k, 2)).map { (Double($0) / 2).squareRoot() }
        var vectors = [Double](repeating: 0, count: k * k)
        let status = diagonal.withUnsafeMutableBufferPointer { d in
            offDiagonal.withUnsafeMutableBufferPointer { e in
                vectors.withUnsafeMutableBufferPointer { z in
                    LAPACKE_dstev(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "V")), Int32(k), d.baseAddress!, e.baseAddress!, z.baseAddress!, Int32(k))
                }
            }
        }
        guard status == 0 else { return nil }
        nodes = diagonal
        weights = (0..<k).map { Double.pi.squareRoot() * vectors[$0 * k] * vectors[$0 * k] }
    }
}
