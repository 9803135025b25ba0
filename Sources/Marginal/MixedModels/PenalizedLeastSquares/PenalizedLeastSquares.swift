import Foundation

/// The penalized least-squares core every model family stands on: the cross products of
/// √W [Z X y] (``CrossProducts``) and the lower Cholesky factor L(θ) of the blocked matrix
///
///     ⎡ ΛᵀZᵀWZΛ + I   ΛᵀZᵀWX   ΛᵀZᵀWy ⎤
///     ⎢ XᵀWZΛ          XᵀWX     XᵀWy   ⎥  =  L Lᵀ
///     ⎣ yᵀWZΛ          yᵀWX     yᵀWy   ⎦
///
/// in the layout of ``CrossProducts``: the first block and the nested blocks after it are
/// block-diagonal with one sparse panel per level, and the rest (L_DD) is dense.
/// Bates et al. (2015, §3.2–3.5) show that this one factor gives the profiled deviance, β̂, the
/// conditional modes and every variance estimate; `update(theta:)` recomputes it in place, as a
/// left-looking blocked Cholesky whose steps are the block types' kernels:
///
/// 1. the first block, level c: L₁₁,c = chol(λ₁ᵀ A₁₁,c λ₁ + I) and L_T1,c = (Λ_Tᵀ A_T1,c λ₁) L₁₁,c⁻ᵀ
///    (PenalizedLeastSquares+FirstBlock.swift);
/// 2. each nested block k, level l: its diagonal block and panel, loaded as in step 1, less the
///    contributions L_{R,c} L_{l,c}ᵀ of every earlier level c whose panel holds l, then factored
///    (PenalizedLeastSquares+Nested.swift);
/// 3. L_DD = chol(Λ_Dᵀ A_DD Λ_D + I − Σ_c L_D,c L_D,cᵀ) over every sparse level c, the identity on
///    random rows only (PenalizedLeastSquares+Dense.swift).
///
/// All storage is allocated once; an update allocates nothing. A linear mixed model factors it
/// once per θ; a generalized one also calls ``reweight(weights:response:)`` at every PIRLS step
/// (Bates et al. 2015, §5; MixedModels.jl's GLMM holds its LMM in the same way). The one solve
/// for (β̂, u) is in PenalizedLeastSquares+Solve.swift.
struct PenalizedLeastSquares: Sendable {
    private(set) var products: CrossProducts
    /// θ's layout.
    let thetaLayout: ThetaLayout
    /// `thetaLayout.factors`, kept as a stored property: the kernels read it inside closures that
    /// write the factor's storage, which a computed property of `self` would overlap.
    let factors: [CovarianceFactor]
    /// Whether every block of the dense part is scalar (Sₖ = 1), so that Λ_D is a diagonal scaling.
    let denseIsDiagonal: Bool
    /// Whether every block after the first is scalar, so that the first block's panels need no λₖᵀ row groups.
    let trailingIsScalar: Bool
    /// ``CrossProducts/firstPanelsAreComplete``, computed once.
    let firstPanelsAreComplete: Bool

    /// The θ of the last update, and λₖ per block at it, S × S column-major.
    private(set) var theta: [Double] = []
    private(set) var lambdas: [[Double]]
    /// L₁₁ (one S₁ × S₁ factor per level) and the first block's panels L_T1.
    var first: [Double]
    var panels: [Double]
    /// Per nested block: its diagonal factors and panels, laid out as the first block's.
    var nestedDiagonal: [[Double]]
    var nestedPanels: [[Double]]
    /// L_DD, the dense part (``CrossProducts/denseSize`` squared).
    var trailing: [Double]
    /// Whether the last update produced a positive-definite factor.
    private(set) var isPositiveDefinite = false
    /// Per trailing row, the λₖ of its block when Sₖ = 1, else 1 (X and y rows, and rows of
    /// blocks with Sₖ > 1, which are multiplied group by group).
    var rowScale: [Double]
    /// Scratch for one update (4·S² values for the largest sparse S, and a trailing row → panel
    /// position map for the nested blocks), so that an update allocates nothing.
    var scratch: [Double]
    var positionOfRow: [Int]
    /// How many threads share the sparse downdate of L_DD (step 3); 1 by default, because
    /// samplers already run one chain per core. A fit on its own sets the number of cores.
    var downdateThreads = 1 {
        didSet { downdateColumns = Self.downdateColumns(products, threads: downdateThreads) }
    }
    /// The columns of L_DD each downdate thread serves: ranges of about equal work.
    var downdateColumns: [Range<Int>]

    init(products: CrossProducts, factors: [CovarianceFactor]) {
        self.products = products
        self.factors = factors
        thetaLayout = ThetaLayout(factors: factors)
        trailingIsScalar = factors.dropFirst().allSatisfy { $0.dimension == 1 }
        firstPanelsAreComplete = products.firstPanelsAreComplete
        denseIsDiagonal = factors.dropFirst(products.sparseBlockCount).allSatisfy { $0.dimension == 1 }
        lambdas = factors.map { [Double](repeating: 0, count: $0.dimension * $0.dimension) }
        first = products.first.diagonal
        panels = products.first.values
        nestedDiagonal = products.nested.map(\.diagonal)
        nestedPanels = products.nested.map(\.values)
        trailing = products.trailing
        rowScale = Array(repeating: 1, count: products.trailingSize)
        let largest = factors.prefix(products.sparseBlockCount).map(\.dimension).max() ?? 1
        scratch = Array(repeating: 0, count: 4 * largest * largest)
        positionOfRow = products.nested.isEmpty ? [] : Array(repeating: 0, count: products.trailingSize)
        downdateColumns = [0..<products.denseSize]
    }

    /// Recomputes L for θ. Returns false (and leaves `isPositiveDefinite` false) when a block is
    /// not positive definite, which happens only through rounding for valid θ.
    @discardableResult
    mutating func update(theta: [Double]) -> Bool {
        update(theta: theta, trailingInverse: nil)
    }

    /// Recomputes L for θ and, when `trailingInverse` is given (r × r values, r the number of
    /// dense random rows), also writes W = L_DD,u⁻¹ there (lower triangle), computed with the
    /// factor in one recursive pass (``CholeskyInverse/factorAndInvert(n:_:lda:_:ldw:)``), which
    /// is cheaper than inverting the finished factor.
    mutating func update(theta: [Double], trailingInverse: UnsafeMutablePointer<Double>?) -> Bool {
        isPositiveDefinite = false
        guard theta.count == thetaLayout.count else { return false }
        self.theta = theta
        guard thetaLayout.fill(&lambdas, theta: theta) else { return false }
        rowScale.withUnsafeMutableBufferPointer { scale in
            for k in factors.indices.dropFirst() where factors[k].dimension == 1 {
                let value = lambdas[k][0]
                for i in products.trailingRange(ofBlock: k) { scale[i] = value }
            }
        }
        isPositiveDefinite = updateFirstBlock()
        if isPositiveDefinite {
            updatePanels()
            isPositiveDefinite = updateNestedBlocks()
        }
        if isPositiveDefinite {
            isPositiveDefinite = updateTrailing(inverse: trailingInverse)
        }
        return isPositiveDefinite
    }

    /// New weights wᵢ (prior times working weights; nil for 1) and response (the working response
    /// less the offset) on the same pattern (``CrossProducts/reweight(weights:response:working:)``).
    /// The factor is stale until the next ``update(theta:)``.
    mutating func reweight(weights: [Double]?, response: [Double], working: Bool = false) {
        products.reweight(weights: weights, response: response, working: working)
        isPositiveDefinite = false
    }

    /// A new response's cross products on the same design and basis
    /// (``CrossProducts/setResponseProducts(effectSums:fixedSums:squares:)``); stale until the
    /// next ``update(theta:)``.
    mutating func setResponseProducts(effectSums: [[Double]], fixedSums: [Double], squares: Double) {
        products.setResponseProducts(effectSums: effectSums, fixedSums: fixedSums, squares: squares)
        isPositiveDefinite = false
    }

    // MARK: Reading the factor

    /// log det(ΛᵀZᵀWZΛ + I) = 2 Σ log diag L over the random-effect blocks, with one logarithm
    /// per 16 diagonal values (``VectorKernels/logProduct(_:count:stride:)``).
    var logDeterminantRandom: Double {
        let d = products.denseSize
        var sum = Self.logDiagonalProduct(first, levels: products.first.levels, size: products.first.dimension)
        for (k, diagonal) in nestedDiagonal.enumerated() {
            sum += Self.logDiagonalProduct(diagonal, levels: products.nested[k].levels, size: products.nested[k].dimension)
        }
        sum += trailing.withUnsafeBufferPointer { tp in
            VectorKernels.logProduct(tp.baseAddress!, count: products.denseRandomRows, stride: d + 1)
        }
        return 2 * sum
    }

    /// Σ log of the diagonals of `levels` lower-triangular S × S factors stored one after another.
    private static func logDiagonalProduct(_ factors: [Double], levels: Int, size s: Int) -> Double {
        factors.withUnsafeBufferPointer { fp in
            var total = 0.0
            // Diagonal i of every level's block: `levels` values S² apart.
            for i in 0..<s {
                total += VectorKernels.logProduct(fp.baseAddress! + i * (s + 1), count: levels, stride: s * s)
            }
            return total
        }
    }

    /// log det(XᵀV₀⁻¹X) = log det(L_X L_Xᵀ) + 2 log |det R|, the REML correction (L_X in the
    /// engine's coordinates, R from ``FixedEffectsBasis``).
    var logDeterminantFixed: Double {
        let d = products.denseSize
        var sum = 0.5 * products.basis.logDeterminant
        for i in products.denseRandomRows..<(products.denseRandomRows + products.p) { sum += Foundation.log(trailing[i + i * d]) }
        return 2 * sum
    }

    /// r², the penalized residual sum of squares at the conditional estimates for this θ.
    var penalizedResidualSumOfSquares: Double {
        let d = products.denseSize
        let r = trailing[(d - 1) + (d - 1) * d]
        return r * r
    }
}
