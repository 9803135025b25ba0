/// Finds the columns of a matrix that are (numerically) linear combinations of earlier ones,
/// as R's `qr()` does with LINPACK's `dqrdc2` and its limited column pivoting, which lme4
/// uses to drop columns of a rank-deficient X.
///
/// Householder QR proceeds column by column, in order. Before column j is reduced, its norm
/// in the rows not yet triangularised (its distance from the span of the columns kept so
/// far) is compared with its original norm: when it is below `tolerance` × the original
/// norm (a zero column counts as norm 1), the column is aliased and moved out; the next
/// column is tried in its place. Columns beyond the rank n of an n-row matrix are aliased.
enum AliasedColumns {
    /// Indices of the aliased columns, ascending.
    static func find(in columns: [[Double]], tolerance: Double) -> [Int] {
        let n = columns.first?.count ?? 0
        var reflectors: [[Double]] = []  // reflector k acts on rows k..<n; stored from row k
        var aliased: [Int] = []
        for (j, original) in columns.enumerated() {
            let step = reflectors.count
            if step >= n {
                aliased.append(j)
                continue
            }
            var column = original
            for (k, v) in reflectors.enumerated() { applyReflector(v, from: k, to: &column) }
            let originalNorm = norm(original[...])
            let remainingNorm = norm(column[step...])
            if remainingNorm < tolerance * (originalNorm == 0 ? 1 : originalNorm) {
                aliased.append(j)
                continue
            }
            reflectors.append(reflector(for: column[step...], norm: remainingNorm))
        }
        return aliased
    }

    /// The Householder vector v (normalised so that H = I − 2vv'/v'v maps x to a multiple of e₁).
    private static func reflector(for x: ArraySlice<Double>, norm: Double) -> [Double] {
        var v = Array(x)
        let first = v[0]
        v[0] += first >= 0 ? norm : -norm
        return v
    }

    /// Applies H = I − 2vv'/v'v to rows `start...` of `column`.
    private static func applyReflector(_ v: [Double], from start: Int, to column: inout [Double]) {
        var dot = 0.0
        var vv = 0.0
        for i in v.indices {
            dot += v[i] * column[start + i]
            vv += v[i] * v[i]
        }
        guard vv > 0 else { return }
        let scale = 2 * dot / vv
        for i in v.indices { column[start + i] -= scale * v[i] }
    }

    /// Euclidean norm, scaled against overflow.
    private static func norm(_ x: ArraySlice<Double>) -> Double {
        let largest = x.reduce(0) { max($0, Swift.abs($1)) }
        guard largest > 0, largest.isFinite else { return largest }
        let sum = x.reduce(0) { $0 + ($1 / largest) * ($1 / largest) }
        return largest * sum.squareRoot()
    }
}
