import CLapack

/// Least squares by Householder QR (LAPACK's `dgels`; Golub & Van Loan 2013, §5.3): the B that
/// minimizes ‖XB − Y‖ for X of full column rank, which is MASS's `ginv(X) %*% Y` there, and the
/// residuals Y − X B̂ of R's `lm.fit`.
enum LeastSquares {
    /// B (p × k, as its k columns) for X (n × p, its columns) of full column rank and Y (n × k, its
    /// columns); nil where n < p or X is rank deficient (LAPACK reports a zero diagonal of R).
    static func solve(_ x: [[Double]], _ y: [[Double]]) -> [[Double]]? {
        let p = x.count, k = y.count
        guard p > 0, k > 0 else { return y.map { _ in [Double](repeating: 0, count: p) } }
        let n = x[0].count
        guard n >= p, x.allSatisfy({ $0.count == n }), y.allSatisfy({ $0.count == n }) else { return nil }
        var a = x.flatMap { $0 }
        var b = y.flatMap { $0 }
        let status = a.withUnsafeMutableBufferPointer { ap in
            b.withUnsafeMutableBufferPointer { bp in
                LAPACKE_dgels(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "N")), Int32(n), Int32(p), Int32(k),
                              ap.baseAddress, Int32(n), bp.baseAddress, Int32(n))
            }
        }
        guard status == 0 else { return nil }
        return (0..<k).map { j in Array(b[(j * n)..<(j * n + p)]) }
    }

    /// Each column of `y` less its projection on the span of the columns of `x` (R's
    /// `resid(lm.fit(x, y))`): a column of x that is a linear combination of earlier ones
    /// (``AliasedColumns`` with R's tolerance 1e-7, as `lm.fit`'s `dqrdc2`) is left out, so a rank
    /// deficient x projects on its column space. Nil where the kept columns cannot be solved for.
    static func residuals(of y: [[Double]], on x: [[Double]]) -> [[Double]]? {
        let aliased = Set(AliasedColumns.find(in: x, tolerance: 1e-7))
        let kept = x.indices.filter { !aliased.contains($0) }.map { x[$0] }
        guard !kept.isEmpty else { return y }
        guard let b = solve(kept, y) else { return nil }
        return zip(y, b).map { column, coefficients in
            column.indices.map { i in
                column[i] - kept.indices.reduce(0.0) { $0 + kept[$1][i] * coefficients[$1] }
            }
        }
    }
}
