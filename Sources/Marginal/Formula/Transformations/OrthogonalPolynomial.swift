import Foundation

/// R's orthogonal polynomials, `poly(x, degree)`, with the coefficients that reproduce them on
/// new data (R's `attr(, "coefs")`, used by `predict.poly` and safe prediction).
///
/// R forms the basis from the QR decomposition of the centred powers of x; the same columns
/// follow from the three-term recurrence of monic orthogonal polynomials (Stieltjes):
///
///     P₀ = 1,  P₁ = x − α₀,  Pₖ₊₁ = (x − αₖ) Pₖ − (nₖ₊₁ / nₖ) Pₖ₋₁,
///     αₖ = Σ x Pₖ² / Σ Pₖ²,   n = (1, Σ P₀², Σ P₁², …, Σ P_d²),
///
/// and column k (1…d) is Pₖ / √nₖ₊₁, of unit length on the training data and orthogonal to
/// the constant and to the other columns. `alpha` and `norm2` are R's names and values.
public struct OrthogonalPolynomial: Codable, Sendable, Equatable {
    /// α₀ … α_{d−1}.
    public var alpha: [Double]
    /// (1, n, Σ P₁², …, Σ P_d²): d + 2 entries.
    public var norm2: [Double]

    public var degree: Int { alpha.count }

    /// The coefficients for `x` (the training values); nil when the degree is not below the
    /// number of distinct values (R: "'degree' must be less than number of unique points").
    public init?(fitting x: [Double], degree: Int) {
        guard degree >= 1, degree < Set(x).count else { return nil }
        let mean = x.reduce(0, +) / Double(x.count)
        let centred = x.map { $0 - mean }
        var previous = [Double](repeating: 0, count: x.count)
        var current = [Double](repeating: 1, count: x.count)
        var alpha: [Double] = []
        var norm2: [Double] = [1, Double(x.count)]
        for k in 0..<degree {
            var weighted = 0.0
            for i in centred.indices { weighted += centred[i] * current[i] * current[i] }
            let a = weighted / norm2[k + 1]
            alpha.append(a + mean)
            let ratio = norm2[k + 1] / norm2[k]
            let next = centred.indices.map { i in (centred[i] - a) * current[i] - (k == 0 ? 0 : ratio * previous[i]) }
            norm2.append(next.reduce(0) { $0 + $1 * $1 })
            previous = current
            current = next
        }
        self.alpha = alpha
        self.norm2 = norm2
    }

    /// The `degree` basis columns at `x` (R's `predict(poly(...), x)`).
    public func columns(at x: [Double]) -> [[Double]] {
        guard degree >= 1, norm2.count == degree + 2 else { return [] }
        var result: [[Double]] = []
        var previous = [Double](repeating: 1, count: x.count)
        var current = x.map { $0 - alpha[0] }
        result.append(current)
        for k in stride(from: 1, to: degree, by: 1) {
            let ratio = norm2[k + 1] / norm2[k]
            let next = x.indices.map { i in (x[i] - alpha[k]) * current[i] - ratio * previous[i] }
            previous = current
            current = next
            result.append(current)
        }
        return result.enumerated().map { k, column in
            let scale = norm2[k + 2].squareRoot()
            return column.map { $0 / scale }
        }
    }
}
