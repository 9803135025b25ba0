/// The relative covariance factor λ of one random-effect block and its parameters θ.
///
/// A block groups every term on one grouping factor (lme4 keeps `(1 | g) + (0 + x | g)` as two
/// terms; amalgamating them into one block with a block-diagonal λ gives the same model and keeps
/// the first diagonal block of the Cholesky factor block-diagonal). Each original term ("part")
/// occupies a contiguous range of the block's S columns, and its ``CovarianceStructure`` maps its
/// slice of θ to its diagonal sub-block of λ: lme4's free elements of λ
/// (``UnstructuredCovariance``), or a glmmTMB structure (``ScaledCorrelationCovariance``).
///
/// The random effects of one level are b = λ u with u ~ N(0, σ² I), so their covariance is
/// σ² λ λᵀ (Bates, Mächler, Bolker & Walker 2015, *J. Stat. Softw.* 67(1), §2).
/// θ lists the parts' parameters in order.
struct CovarianceFactor: Sendable {
    struct Part: Sendable {
        let structure: any CovarianceStructure
        /// The part's columns of λ.
        let columns: Range<Int>
        /// The part's elements of the block's θ.
        let parameters: Range<Int>
    }

    /// S, the number of columns of the block.
    let dimension: Int
    let parts: [Part]
    /// Number of θ elements.
    let parameterCount: Int

    init(structures: [any CovarianceStructure]) {
        var parts: [Part] = []
        var column = 0, parameter = 0
        for structure in structures {
            parts.append(Part(
                structure: structure, columns: column..<(column + structure.dimension),
                parameters: parameter..<(parameter + structure.parameterCount)))
            column += structure.dimension
            parameter += structure.parameterCount
        }
        self.parts = parts
        dimension = column
        parameterCount = parameter
    }

    /// Whether every part is lme4's (θ the free elements of λ), which the methods that read θ as
    /// λ's elements (EM, the samplers, profile intervals) require.
    var isUnstructured: Bool { parts.allSatisfy { $0.structure is UnstructuredCovariance } }

    /// (row, column) of each free element of λ, in θ order, over the unstructured parts (all of θ
    /// when ``isUnstructured``).
    var freePositions: [(row: Int, column: Int)] {
        parts.flatMap { part in
            ((part.structure as? UnstructuredCovariance)?.freePositions ?? [])
                .map { (part.columns.lowerBound + $0.row, part.columns.lowerBound + $0.column) }
        }
    }

    var lowerBounds: [Double] { parts.flatMap(\.structure.lowerBounds) }
    var initialTheta: [Double] { parts.flatMap(\.structure.initial) }
    var initialSteps: [Double] { parts.flatMap(\.structure.initialSteps) }
    /// The block column whose size scales each θ element (``CovarianceStructure/scaleColumns``).
    var scaleColumns: [Int?] { parts.flatMap { part in part.structure.scaleColumns.map { $0.map { part.columns.lowerBound + $0 } } } }

    /// Writes λ (S × S, column-major, zeros above the diagonal and between parts) from θ. Returns
    /// false, with λ filled with NaN, when a structure has no positive-definite correlation at θ.
    @discardableResult
    func fill(_ lambda: UnsafeMutablePointer<Double>, theta: UnsafeBufferPointer<Double>) -> Bool {
        lambda.update(repeating: 0, count: dimension * dimension)
        for part in parts {
            let corner = lambda + part.columns.lowerBound * (dimension + 1)
            guard part.structure.fill(corner, ld: dimension, theta: UnsafeBufferPointer(rebasing: theta[part.parameters])) else {
                lambda.update(repeating: .nan, count: dimension * dimension)
                return false
            }
        }
        return true
    }

    /// ∂f/∂θ for the block, from ∂f/∂λ (S × S, column-major), written into `gradient`.
    func pullBack(_ lambdaGradient: UnsafePointer<Double>, theta: UnsafeBufferPointer<Double>, into gradient: UnsafeMutableBufferPointer<Double>) {
        for part in parts {
            part.structure.pullBack(
                lambdaGradient + part.columns.lowerBound * (dimension + 1), ld: dimension,
                theta: UnsafeBufferPointer(rebasing: theta[part.parameters]),
                into: UnsafeMutableBufferPointer(rebasing: gradient[part.parameters]))
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
