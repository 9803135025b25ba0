/// The covariance M-step of EM for one random-effect block, in the relative parameterization.
///
/// With b = λu and u ~ N(0, σ²I), the block's covariance is Σ = σ²λλᵀ. Maximizing the expected
/// complete-data log likelihood −(ℓ/2)[log|Σ| + tr(Σ⁻¹ S)], S = (1/ℓ) Σⱼ E[bⱼbⱼᵀ], over the
/// covariance structure of the block gives, part by part (the block is block-diagonal over its
/// original terms, see ``CovarianceFactor``):
///
/// - a correlated part: Σ_part = S_part, the part's submatrix of S (Laird & Ware 1982);
/// - an uncorrelated part (`||`, or a single column): Σ_part = diag(S_part), because the
///   likelihood of a diagonal covariance separates into one variance per column.
///
/// With σ² held at its current value, the new λ is the lower Cholesky factor of S/σ² on each part,
/// so λ_new λ_newᵀ = blockdiag(S/σ²) and θ_new lists its free elements.
extension CovarianceFactor {
    /// The column ranges of the parts, recovered from the free positions: a part starts at column
    /// j and ends after the lowest free row of column j (a correlated part's first column is free
    /// down to the part's last row; an uncorrelated column is a part of its own).
    var partRanges: [Range<Int>] {
        var lowest = [Int](repeating: -1, count: dimension)
        for position in freePositions { lowest[position.column] = max(lowest[position.column], position.row) }
        var ranges: [Range<Int>] = []
        var j = 0
        while j < dimension {
            let end = max(lowest[j], j) + 1
            ranges.append(j..<end)
            j = end
        }
        return ranges
    }

    /// Whether the part with these columns has free off-diagonal elements.
    private func isCorrelated(_ part: Range<Int>) -> Bool {
        freePositions.contains { part.contains($0.column) && $0.row != $0.column }
    }

    /// θ of the structured λ with λλᵀ = blockdiag(R) restricted to the block's structure, for a
    /// symmetric positive-semidefinite relative covariance R (S × S, column-major).
    func theta(fromRelativeCovariance r: [Double]) -> [Double] {
        let s = dimension
        var lambda = [Double](repeating: 0, count: s * s)
        for part in partRanges {
            if isCorrelated(part) {
                let m = part.count
                var sub = [Double](repeating: 0, count: m * m)
                for (b, cb) in part.enumerated() {
                    for (a, ca) in part.enumerated() { sub[a + b * m] = r[ca + cb * s] }
                }
                // The M-step's R can be singular (a variance or a correlation at its boundary).
                sub.withUnsafeMutableBufferPointer { _ = SmallMatrix.choleskyLower($0.baseAddress!, size: m, pivots: .semidefinite(1e-14)) }
                for (b, cb) in part.enumerated() {
                    for (a, ca) in part.enumerated() where a >= b { lambda[ca + cb * s] = sub[a + b * m] }
                }
            } else {
                for c in part { lambda[c + c * s] = max(r[c + c * s], 0).squareRoot() }
            }
        }
        return freePositions.map { lambda[$0.row + $0.column * s] }
    }
}
