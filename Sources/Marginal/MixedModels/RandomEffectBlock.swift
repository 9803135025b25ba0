/// All random-effect terms on one grouping factor, as the fitter sees them: ℓ levels, S columns
/// (the terms' columns side by side) and one relative covariance factor λ (``CovarianceFactor``).
struct RandomEffectBlock: Sendable {
    /// The original terms, in design order, with the range of block columns each occupies.
    struct Part: Sendable {
        let term: RandomEffectTerm
        let columns: Range<Int>
    }

    let group: String
    let levels: [String]
    let codes: [Int32]
    /// S × n, column-major: the S values of row i are contiguous.
    let z: Matrix
    let parts: [Part]
    let factor: CovarianceFactor

    var levelCount: Int { levels.count }
    var dimension: Int { factor.dimension }
    /// ℓ·S, the number of random effects in the block.
    var effectCount: Int { levelCount * dimension }

    /// Groups the design's terms by grouping factor, keeping the design's order of first
    /// appearance, then puts the block with the most levels first (ties: larger S first), so the
    /// first diagonal block of the factor, which never fills in, is as large as possible.
    static func blocks(of terms: [RandomEffectTerm]) -> [RandomEffectBlock] {
        var order: [String] = []
        var members: [String: [RandomEffectTerm]] = [:]
        for term in terms {
            if members[term.group] == nil { order.append(term.group) }
            members[term.group, default: []].append(term)
        }
        let blocks = order.map { RandomEffectBlock(terms: members[$0] ?? []) }
        let ranked = blocks.enumerated().sorted { a, b in
            if a.element.levelCount != b.element.levelCount { return a.element.levelCount > b.element.levelCount }
            if a.element.dimension != b.element.dimension { return a.element.dimension > b.element.dimension }
            return a.offset < b.offset
        }
        return ranked.map(\.element)
    }

    /// One block from terms that share a grouping factor (same levels and codes).
    init(terms: [RandomEffectTerm]) {
        let first = terms[0]
        let n = first.codes.count
        let dimension = terms.reduce(0) { $0 + $1.dimension }
        var z = Matrix(rows: dimension, columns: n)
        var parts: [Part] = []
        var start = 0
        for term in terms {
            let s = term.dimension
            for i in 0..<n {
                for c in 0..<s { z[start + c, i] = term.z[c, i] }
            }
            parts.append(Part(term: term, columns: start..<(start + s)))
            start += s
        }
        self.group = first.group
        self.levels = first.levels
        self.codes = first.codes
        self.z = z
        self.parts = parts
        self.factor = CovarianceFactor(structures: terms.map(\.covarianceStructure))
    }
}

extension RandomEffectBlock {
    /// η += Z(scale·λu) for this block: bₗ = scale·λuₗ per level (λ lower triangular, S × S, u
    /// level-major), then each row i adds zᵢᵀ b at its level. The GLMM's linear predictor and the
    /// parametric bootstrap's simulated effects both go through it.
    func addEffects(lambda: Matrix, u: [Double], scale: Double = 1, into eta: inout [Double]) {
        let s = dimension
        var b = [Double](repeating: 0, count: effectCount)
        for level in 0..<levelCount {
            for a in 0..<s {
                var sum = 0.0
                for c in 0...a { sum += lambda[a, c] * u[level * s + c] }
                b[level * s + a] = scale * sum
            }
        }
        for i in eta.indices {
            let level = Int(codes[i])
            for a in 0..<s { eta[i] += z[a, i] * b[level * s + a] }
        }
    }

    /// Calls `body` with each data row i, its level and tᵢ = λᵀzᵢ (S values): row i's
    /// coefficients of its level's effects in ZΛ, for lower-triangular λ (S × S, column-major),
    /// t_b = Σ_{a ≥ b} z_ai λ_ab. Zero z_ai are skipped (an indicator term has one per row).
    func forEachRowTerm(lambda: [Double], _ body: (_ row: Int, _ level: Int, _ t: UnsafePointer<Double>) -> Void) {
        let s = dimension
        withUnsafeTemporaryAllocation(of: Double.self, capacity: s) { tp in
        z.elements.withUnsafeBufferPointer { zp in
        codes.withUnsafeBufferPointer { cp in
        lambda.withUnsafeBufferPointer { lp in
            guard let t = tp.baseAddress, let zBase = zp.baseAddress, let l = lp.baseAddress else { return }
            for i in 0..<cp.count {
                let zi = zBase + i * s
                t.update(repeating: 0, count: s)
                for a in 0..<s where zi[a] != 0 {
                    let za = zi[a]
                    for b in 0...a { t[b] += za * l[a + b * s] }
                }
                body(i, Int(cp[i]), t)
            }
        }}}}
    }
}
