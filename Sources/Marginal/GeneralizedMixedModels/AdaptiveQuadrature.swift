import Foundation

/// Adaptive Gauss–Hermite quadrature (AGHQ) of the marginal likelihood
/// p(y | θ, β) = ∫ p(y | u) φ(u) du, for the models whose integral factorizes into integrals of
/// low dimension:
///
/// - **one random-effect term** of S ≤ 3 columns on one grouping factor, such as (1 | g) or
///   (1 + x | g): one S-dimensional integral per level, on a tensor-product grid of K^S nodes
///   (AdaptiveQuadrature+SingleTerm.swift). S = 1 is lme4's `nAGQ`; S > 1 is GLMMadaptive's rule
///   (Rizopoulos), which lme4 does not offer (lme4 issue #123);
/// - **two nested scalar terms**, (1 | a/b) = (1 | a) + (1 | a:b): per level of a, a
///   one-dimensional integral over u_a whose integrand is a product of one-dimensional integrals
///   over the u_b of the levels of b within it (AdaptiveQuadrature+Nested.swift; Pinheiro & Chao
///   2006).
///
/// Every rule is centred at the conditional modes û and scaled by the curvature of the Laplace
/// approximation (Liu & Pierce 1994; Pinheiro & Bates 1995), so that one point (K = 1) is the
/// Laplace approximation. Other models, crossed factors above all, do not factorize and are
/// refused with ``MixedModelError/quadratureNotApplicable(reason:)``.
///
/// The class holds the grid and scratch storage sized once for the model, so that an
/// evaluation of the deviance allocates no storage per level or node; one instance serves one
/// fit at a time.
final class AdaptiveQuadrature {
    /// How the integral factorizes.
    enum Structure: Equatable {
        /// The model's only block, of S columns.
        case singleTerm(dimension: Int)
        /// blocks[0] (scalar) nested in blocks[1] (scalar).
        case nested
    }

    let structure: Structure
    /// The dimension S of the grid (1 for nested terms) and its K^S nodes: S coordinates each,
    /// node after node, with log wₖ + ‖xₖ‖² per node (nodes of zero weight left out).
    let dimension: Int
    let nodes: [Double]
    let nodeOffsets: [Double]
    /// The rows of each level of blocks[0]: rowOrder[rowStart[j]..<rowStart[j + 1]].
    let rowStart: [Int]
    let rowOrder: [Int]
    /// Nested terms: the levels of blocks[0] within each level of blocks[1], laid out as the rows.
    let innerStart: [Int]
    let innerOrder: [Int]
    /// Scratch: one value per node; for one term, per row of a level (y, prior weight, η and S
    /// shifts) and 2S² values; for nested terms, one more value per node, per row and per inner level.
    var terms: [Double]
    var innerTerms: [Double]
    var levelRows: [Double]
    var rowValues: [Double]
    var innerValues: [Double]
    var small: [Double]

    /// The most nodes per integral, K^S: 10,000 (K ≤ 100 for S = 2, K ≤ 21 for S = 3).
    static let maximumNodes = 10_000
    /// The most columns of a single term.
    static let maximumDimension = 3

    /// The K-point rule for `model`; throws where K is not from 1 to
    /// ``GeneralizedLinearMixedModel/maximumQuadraturePoints``, the integral does not factorize or
    /// the grid would exceed ``maximumNodes``.
    init(model: GeneralizedLinearMixedModel, points k: Int) throws(MixedModelError) {
        guard (1...GeneralizedLinearMixedModel.maximumQuadraturePoints).contains(k) else {
            throw .quadratureNotApplicable(reason: "the number of quadrature points must be from 1 to \(GeneralizedLinearMixedModel.maximumQuadraturePoints); got \(k)")
        }
        let blocks = model.blocks
        structure = try Self.structure(of: blocks)
        let s: Int
        if case .singleTerm(let columns) = structure { s = columns } else { s = 1 }
        // K ≤ 100 and S ≤ 3: no overflow.
        let count = repeatElement(k, count: s).reduce(1, *)
        guard count <= Self.maximumNodes else {
            let largest = Int(Foundation.pow(Double(Self.maximumNodes), 1 / Double(s)) + 1e-9)
            throw .quadratureNotApplicable(reason: "\(k) points in each of \(s) dimensions make \(count) nodes per level, more than the \(Self.maximumNodes) allowed; use at most \(largest) points for a term with \(s) columns")
        }
        guard let rule = GaussHermiteRule(points: k) else {
            throw .quadratureNotApplicable(reason: "LAPACK could not compute the \(k)-point Gauss-Hermite rule")
        }
        dimension = s
        // The tensor grid: node index = Σ_a digit_a K^a.
        var nodes: [Double] = []
        var offsets: [Double] = []
        for index in 0..<count {
            var rest = index
            var offset = 0.0
            var coordinates: [Double] = []
            for _ in 0..<s {
                let digit = rest % k
                rest /= k
                coordinates.append(rule.nodes[digit])
                offset += Foundation.log(rule.weights[digit]) + rule.nodes[digit] * rule.nodes[digit]
            }
            guard offset.isFinite else { continue }
            nodes += coordinates
            offsets.append(offset)
        }
        self.nodes = nodes
        nodeOffsets = offsets
        let rows = CountingSort(codes: blocks[0].codes, levels: blocks[0].levelCount)
        let rowStart = rows.start
        self.rowStart = rowStart
        rowOrder = rows.order
        if structure == .nested {
            let outer = Self.outerLevels(inner: blocks[0], outer: blocks[1]) ?? []
            let inner = CountingSort(codes: outer.map { Int32($0) }, levels: blocks[1].levelCount)
            (innerStart, innerOrder) = (inner.start, inner.order)
        } else {
            (innerStart, innerOrder) = ([], [])
        }
        let rowsPerLevel = (0..<blocks[0].levelCount).map { rowStart[$0 + 1] - rowStart[$0] }.max() ?? 0
        let nested = structure == .nested
        terms = Array(repeating: 0, count: offsets.count)
        innerTerms = Array(repeating: 0, count: nested ? offsets.count : 0)
        levelRows = Array(repeating: 0, count: nested ? 0 : rowsPerLevel * (3 + s))
        rowValues = Array(repeating: 0, count: nested ? model.design.nobs : 0)
        innerValues = Array(repeating: 0, count: nested ? blocks[0].levelCount : 0)
        small = Array(repeating: 0, count: nested ? 0 : 2 * s * s)
    }

    /// −2 log p(y | θ, β) by the rule, at the θ `core` was last updated at and the held β, from
    /// `state` after PIRLS (û and η̂) with `core` factored at its weights. Infinite where a
    /// curvature is not positive.
    func deviance(_ model: GeneralizedLinearMixedModel, core: PenalizedLeastSquares, state: PIRLSState) -> Double {
        switch structure {
        case .singleTerm: singleTermDeviance(model, core: core, state: state)
        case .nested: nestedDeviance(model, core: core, state: state)
        }
    }

    /// log Σₖ exp(values[k]) without overflow.
    static func logSumExp(_ values: [Double], count: Int) -> Double {
        var largest = -Double.infinity
        for k in 0..<count { largest = max(largest, values[k]) }
        guard largest.isFinite else { return largest }
        var sum = 0.0
        for k in 0..<count { sum += Foundation.exp(values[k] - largest) }
        return largest + Foundation.log(sum)
    }

    // MARK: Which models

    /// The structure of `blocks`, or the reason quadrature does not apply, naming what does.
    static func structure(of blocks: [RandomEffectBlock]) throws(MixedModelError) -> Structure {
        let supported = "it applies to one random-effect term of at most \(maximumDimension) columns, such as (1 | g) or (1 + x | g), or to two nested scalar terms, (1 | a/b)"
        if blocks.count == 1 {
            let s = blocks[0].dimension
            guard s <= maximumDimension else {
                throw .quadratureNotApplicable(reason: "the term on \(blocks[0].group) has \(s) columns, and a grid of K^\(s) nodes per level grows too fast; \(supported). Use the Laplace approximation (1 point)")
            }
            return .singleTerm(dimension: s)
        }
        guard blocks.count == 2 else {
            throw .quadratureNotApplicable(reason: "this model has \(blocks.count) grouping factors; \(supported). Use the Laplace approximation (1 point)")
        }
        guard blocks.allSatisfy({ $0.dimension == 1 }) else {
            throw .quadratureNotApplicable(reason: "the terms on \(blocks[0].group) and \(blocks[1].group) have \(blocks[0].dimension) and \(blocks[1].dimension) columns; two grouping factors need one column each, nested; \(supported). Use the Laplace approximation (1 point)")
        }
        guard outerLevels(inner: blocks[0], outer: blocks[1]) != nil else {
            throw .quadratureNotApplicable(reason: "\(blocks[0].group) and \(blocks[1].group) are crossed (a level of \(blocks[0].group) occurs with more than one level of \(blocks[1].group)), so the integral does not factorize; \(supported). Use the Laplace approximation (1 point)")
        }
        return .nested
    }

    /// For each level of `inner`, the one level of `outer` its rows share; nil when some level
    /// of `inner` meets two levels of `outer` (the factors are not nested).
    static func outerLevels(inner: RandomEffectBlock, outer: RandomEffectBlock) -> [Int]? {
        var result = [Int](repeating: -1, count: inner.levelCount)
        for (b, a) in zip(inner.codes, outer.codes) {
            let b = Int(b), a = Int(a)
            if result[b] >= 0 && result[b] != a { return nil }
            result[b] = a
        }
        return result.allSatisfy { $0 >= 0 } ? result : nil
    }
}
