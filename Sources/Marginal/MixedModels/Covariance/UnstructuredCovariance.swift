/// lme4's term: θ lists the free elements of the lower-triangular λ itself, column-major (lme4's
/// order): the whole lower triangle for correlated effects, the diagonal for independent ones
/// (`(x || g)` pieces, and glmmTMB's `diag(x | g)`, Σ = diag(σ₁², …, σ_S²)).
///
/// The random effects of one level are b = λu with u ~ N(0, σ²I), so Cov b = σ²λλᵀ
/// (Bates, Mächler, Bolker & Walker 2015, *J. Stat. Softw.* 67(1), §2).
struct UnstructuredCovariance: CovarianceStructure {
    let dimension: Int
    let correlated: Bool
    /// (row, column) of each free element of λ, in θ order.
    let freePositions: [(row: Int, column: Int)]

    init(dimension: Int, correlated: Bool) {
        self.dimension = dimension
        self.correlated = correlated
        freePositions = (0..<dimension).flatMap { j in
            correlated ? (j..<dimension).map { ($0, j) } : [(j, j)]
        }
    }

    var parameterCount: Int { freePositions.count }

    var lowerBounds: [Double] { freePositions.map { $0.row == $0.column ? 0 : -Double.infinity } }

    /// lme4's start: λ = I.
    var initial: [Double] { freePositions.map { $0.row == $0.column ? 1 : 0 } }

    /// 0.75 on the diagonal, 0.05 elsewhere (the heuristic of MixedModels.jl, which keeps
    /// off-diagonal probes inside the positive-definite region).
    var initialSteps: [Double] { freePositions.map { $0.row == $0.column ? 0.75 : 0.05 } }

    /// Element (i, j) of λ is in the units of column i's effects.
    var scaleColumns: [Int?] { freePositions.map(\.row) }

    func fill(_ lambda: UnsafeMutablePointer<Double>, ld: Int, theta: UnsafeBufferPointer<Double>) -> Bool {
        for (k, position) in freePositions.enumerated() { lambda[position.row + position.column * ld] = theta[k] }
        return true
    }

    func pullBack(
        _ lambdaGradient: UnsafePointer<Double>, ld: Int, theta: UnsafeBufferPointer<Double>,
        into gradient: UnsafeMutableBufferPointer<Double>
    ) {
        for (k, position) in freePositions.enumerated() { gradient[k] = lambdaGradient[position.row + position.column * ld] }
    }

    /// lme4's spelling: `Subject.(Intercept)`, `Subject.Days.(Intercept)`.
    func parameterNames(group: String, columns: [String]) -> [String] {
        freePositions.map { $0.row == $0.column ? "\(group).\(columns[$0.row])" : "\(group).\(columns[$0.row]).\(columns[$0.column])" }
    }

    func reported(theta: [Double]) -> [StructureParameter] { [] }
}
