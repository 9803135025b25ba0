/// The relative covariance factor λ of one random-effect block and its parameters θ.
///
/// A block groups every term on one grouping factor (lme4 keeps `(1 | g) + (0 + x | g)` as two
/// terms; amalgamating them into one block with a block-diagonal λ gives the same model and keeps
/// the first diagonal block of the Cholesky factor block-diagonal). Each original term ("part")
/// occupies a contiguous range of the block's S columns and contributes either the full lower
/// triangle of its S′ × S′ submatrix of λ (correlated effects) or its diagonal (independent).
///
/// The random effects of one level are b = λ u with u ~ N(0, σ² I), so their covariance is
/// σ² λ λᵀ (Bates, Mächler, Bolker & Walker 2015, *J. Stat. Softw.* 67(1), §2).
/// θ lists the free elements of λ part by part, column-major within a part, which is lme4's order.
struct CovarianceFactor: Sendable {
    /// S, the number of columns of the block.
    let dimension: Int
    /// (row, column) of each free element of λ, in θ order.
    let freePositions: [(row: Int, column: Int)]

    /// - Parameter parts: the column count and correlation flag of each original term, in order.
    init(parts: [(columns: Int, correlated: Bool)]) {
        var positions: [(row: Int, column: Int)] = []
        var start = 0
        for part in parts {
            for j in start..<(start + part.columns) {
                if part.correlated {
                    for i in j..<(start + part.columns) { positions.append((i, j)) }
                } else {
                    positions.append((j, j))
                }
            }
            start += part.columns
        }
        dimension = start
        freePositions = positions
    }

    /// Number of θ elements.
    var parameterCount: Int { freePositions.count }

    /// Lower bound of each θ element: 0 on the diagonal of λ, −∞ elsewhere.
    var lowerBounds: [Double] { freePositions.map { $0.row == $0.column ? 0 : -Double.infinity } }

    /// lme4's start: λ = I.
    var initialTheta: [Double] { freePositions.map { $0.row == $0.column ? 1 : 0 } }

    /// Initial optimizer steps: 0.75 on the diagonal, 0.05 elsewhere (the heuristic of
    /// MixedModels.jl, which keeps off-diagonal probes inside the positive-definite region).
    var initialSteps: [Double] { freePositions.map { $0.row == $0.column ? 0.75 : 0.05 } }

    /// Writes λ (S × S, column-major, zeros above the diagonal and at fixed positions) from θ.
    func fill(_ lambda: UnsafeMutablePointer<Double>, theta: UnsafeBufferPointer<Double>) {
        lambda.update(repeating: 0, count: dimension * dimension)
        for (k, position) in freePositions.enumerated() {
            lambda[position.row + position.column * dimension] = theta[k]
        }
    }

    /// λ as a matrix.
    func lambda(theta: [Double]) -> Matrix {
        var m = Matrix(rows: dimension, columns: dimension)
        m.elements.withUnsafeMutableBufferPointer { out in
            theta.withUnsafeBufferPointer { fill(out.baseAddress!, theta: $0) }
        }
        return m
    }
}
