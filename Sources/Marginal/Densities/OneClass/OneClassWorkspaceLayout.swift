import Foundation

/// Offsets into the workspace of ``OneClassMarginalizedDensity``, one flat array of Doubles.
struct OneClassWorkspaceLayout: Sendable {
    static let logTwoPi = log(2 * Double.pi)

    /// The class's T and ∂ℓ/∂T (S² each).
    let classFactor: Int
    let classFactorAdjoint: Int
    /// Per level: h_j = Z_ijᵀ r_j (ℓS), v_j = T M_j⁻¹ Tᵀ h_j (ℓS), the Cholesky factor of M_j (ℓS²).
    let classSums: Int
    let means: Int
    let choleskyFactors: Int
    /// Scratch for one level: GT and M⁻¹ (S² each), c, w, e (S each).
    let product: Int
    let inverse: Int
    let vectorC: Int
    let vectorW: Int
    let vectorE: Int
    /// β, ∂/∂β and β − β₀ (p each).
    let beta: Int
    let betaAdjoint: Int
    let delta: Int
    /// The residual (n values, only when the rows are read block by block), and the buffer of
    /// one run of class i for the fused pass (``OneClassRowPasses``).
    let residual: Int
    let runBuffer: Int
    /// Per sampled block: T_k, ∂/∂T_k (S_k²), b_k and the per-level sums of a z (ℓ_k S_k), and
    /// the scratch of its coordinates (``SampledBlockCoordinates/cacheCount``).
    let factors: [Int]
    let factorAdjoints: [Int]
    let effects: [Int]
    let effectAdjoints: [Int]
    let caches: [Int]
    /// Two vectors of the largest sampled S.
    let scratch: Int
    let count: Int

    init(rows: MixedModelRows, classIndex: Int, effects sampled: SampledEffectsLayout, caches cacheCounts: [Int], usesRows: Bool, runBuffer runLength: Int) {
        var next = 0
        func take(_ size: Int) -> Int {
            defer { next += size }
            return next
        }
        let block = rows.blocks[classIndex]
        let s = block.dimension
        let levels = block.levelCount
        classFactor = take(s * s)
        classFactorAdjoint = take(s * s)
        classSums = take(levels * s)
        means = take(levels * s)
        choleskyFactors = take(levels * s * s)
        product = take(s * s)
        inverse = take(s * s)
        vectorC = take(s)
        vectorW = take(s)
        vectorE = take(s)
        beta = take(rows.p)
        betaAdjoint = take(rows.p)
        delta = take(rows.p)
        residual = take(usesRows ? rows.n : 0)
        runBuffer = take(runLength)
        factors = sampled.entries.map { take($0.dimension * $0.dimension) }
        factorAdjoints = sampled.entries.map { take($0.dimension * $0.dimension) }
        effects = sampled.entries.map { take($0.count) }
        effectAdjoints = sampled.entries.map { take($0.count) }
        caches = cacheCounts.map { take($0) }
        scratch = take(2 * (sampled.entries.map(\.dimension).max() ?? 0))
        count = max(next, 1)
    }
}
