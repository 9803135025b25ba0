/// The regression-spline bases of R's package splines, `bs(x, df, degree)` and `ns(x, df)`,
/// with `intercept = FALSE`, and what reproduces them on new data (their `knots` and
/// `Boundary.knots` attributes, which `predict` and safe prediction reuse).
///
/// - `bs`: B-splines of order k = degree + 1 on the boundary knots repeated k times and
///   df − degree interior knots at the quantiles of x (R's `quantile`, type 7) at equally
///   spaced probabilities; the first B-spline is dropped (no intercept), leaving df columns.
///   Outside the boundary knots the boundary pieces are continued (R's Taylor expansion).
/// - `ns`: cubic B-splines on df − 1 interior knots, the first dropped, projected on the
///   natural splines, those with zero second derivative at both boundary knots: with the QR
///   decomposition of the 2 × (df + 2) constraint matrix C (second derivatives at the
///   boundaries) as R computes it (Householder reflections), the basis is rows 3… of Qᵀ Bᵀ.
///   Outside the boundary knots it is continued linearly (value and slope at the boundary).
public struct SplineBasis: Codable, Sendable, Equatable {
    /// The interior knots.
    public var knots: [Double]
    /// The lower and upper boundary knots (the range of the training values).
    public var boundary: [Double]
    public var degree: Int
    /// Whether the basis is R's natural cubic spline basis `ns` (else `bs`).
    public var natural: Bool

    /// The basis learned from `x`: nil when `df` is too small for it (`minimumDegreesOfFreedom`).
    public init?(fitting x: [Double], df: Int, degree: Int = 3, natural: Bool) {
        let interiorCount = natural ? df - 1 : df - degree
        guard interiorCount >= 0, degree >= 1, let low = x.min(), let high = x.max() else { return nil }
        let sorted = x.sorted()
        self.knots = (1...(interiorCount + 1)).dropLast().map { i in
            Self.quantile(sorted, probability: Double(i) / Double(interiorCount + 1))
        }
        self.boundary = [low, high]
        self.degree = natural ? 3 : degree
        self.natural = natural
    }

    /// The smallest df that `ns` (1) or `bs` (the degree) accepts.
    public static func minimumDegreesOfFreedom(degree: Int, natural: Bool) -> Int { natural ? 1 : max(degree, 1) }

    /// R's `quantile(x, p, type = 7)` of sorted values: (1 − h) x₍ₗₒ₎ + h x₍ₕᵢ₎ at index 1 + (n − 1)p.
    static func quantile(_ sorted: [Double], probability p: Double) -> Double {
        let index = Double(sorted.count - 1) * p
        let lo = Int(index.rounded(.down))
        let hi = min(Int(index.rounded(.up)), sorted.count - 1)
        let h = index - Double(lo)
        return h > 0 && sorted[hi] != sorted[lo] ? (1 - h) * sorted[lo] + h * sorted[hi] : sorted[lo]
    }

    private var bsplines: BSplineBasis {
        let order = degree + 1
        let lower = [Double](repeating: boundary[0], count: order)
        let upper = [Double](repeating: boundary[1], count: order)
        return BSplineBasis(knots: (lower + knots + upper).sorted(), order: order)
    }

    /// The basis columns at `x` (R's `predict(bs(...), x)` / `predict(ns(...), x)`).
    public func columns(at x: [Double]) -> [[Double]] {
        guard boundary.count == 2, degree >= 1 else { return [] }
        let basis = bsplines
        let projection = natural ? self.projection : nil
        let rows: [[Double]] = x.map { value in
            let row: [Double]
            if natural, value < boundary[0] || value > boundary[1] {
                let pivot = value < boundary[0] ? boundary[0] : boundary[1]
                let at = basis.values(at: pivot)
                let slope = basis.values(at: pivot, derivative: 1)
                row = zip(at, slope).map { $0 + (value - pivot) * $1 }
            } else {
                row = basis.values(at: value)
            }
            return projection?.project(Array(row.dropFirst())) ?? Array(row.dropFirst())
        }
        let width = rows.first?.count ?? 0
        return (0..<width).map { column in rows.map { $0[column] } }
    }

    /// The projection on natural splines: Householder reflections of the constraint matrix.
    private var projection: NaturalSplineProjection {
        let basis = bsplines
        let constraints = boundary.map { Array(basis.values(at: $0, derivative: 2).dropFirst()) }
        return NaturalSplineProjection(constraints: constraints)
    }
}

/// The QR decomposition of Cᵀ (r × 2, the columns two constraints on r coefficients) by
/// Householder reflections with LINPACK's signs (`dqrdc2`, which R's `qr` uses): the reflection
/// of column v maps it to −sign(v₁)‖v‖e₁. `project(b)` returns rows 3… of Qᵀb, the coordinates
/// of b in the null space of C (R's `qr.qty(qr(t(const)), t(basis))[-(1:2), ]`).
struct NaturalSplineProjection {
    /// The Householder vectors u (with their offset k) of the two reflections I − 2uuᵀ/uᵀu.
    private var reflections: [(offset: Int, u: [Double])] = []

    init(constraints: [[Double]]) {
        var columns = constraints
        for k in 0..<columns.count {
            let v = Array(columns[k][k...])
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0 else { continue }
            var u = v
            u[0] += v[0] >= 0 ? norm : -norm
            reflections.append((k, u))
            for j in k..<columns.count { columns[j] = Self.reflect(columns[j], offset: k, u: u) }
        }
    }

    private static func reflect(_ b: [Double], offset: Int, u: [Double]) -> [Double] {
        let uu = u.reduce(0) { $0 + $1 * $1 }
        var dot = 0.0
        for i in u.indices { dot += u[i] * b[offset + i] }
        var result = b
        for i in u.indices { result[offset + i] -= 2 * dot / uu * u[i] }
        return result
    }

    func project(_ b: [Double]) -> [Double] {
        var result = b
        for (offset, u) in reflections { result = Self.reflect(result, offset: offset, u: u) }
        return Array(result.dropFirst(2))
    }
}
