import Foundation
import Testing
@testable import Marginal

/// The sparse nested blocks of the factor (``CrossProducts``): which blocks stay sparse, and the
/// conditional covariances of every level against a dense inverse of the whole system, with prior
/// weights, on nested, nested-then-crossed and crossed designs.
@Suite struct NestedBlocksTests {
    @Test(arguments: [
        ("three levels", 3), ("nested slopes", 2), ("nested and crossed", 2), ("pastes", 2), ("penicillin", 1),
        ("crossed slopes", 1), ("sleepstudy", 1),
    ])
    func nestedBlocksStaySparse(_ name: String, _ sparse: Int) throws {
        let model = try DensityTestModels.model(named: name)
        #expect(model.products.sparseBlockCount == sparse)
        let nestedRows = model.blocks.dropFirst().prefix(sparse - 1).reduce(0) { $0 + $1.effectCount }
        #expect(model.products.denseOffset == nestedRows)
    }

    /// (ΛᵀZᵀWZΛ + I)⁻¹, and the u-part of the inverse of the [u; β] system, level block by level block.
    @Test(arguments: ["three levels", "nested slopes", "nested and crossed", "pastes", "crossed slopes"], [false, true])
    func conditionalCovariancesMatchDenseInverse(_ name: String, _ integratingFixedEffects: Bool) throws {
        let model = try DensityTestModels.model(named: name)
        let theta = model.initialTheta.enumerated().map { $0.element == 0 ? 0.2 : 0.6 + 0.15 * Double($0.offset) }
        var factor = PenalizedLeastSquares(products: model.products, factors: model.factors)
        let updated = factor.update(theta: theta)
        try #require(updated)
        let blocks = factor.conditionalCovarianceBlocks(integratingFixedEffects: integratingFixedEffects)
        let dense = DenseMarginalModel(model)
        let q = dense.q, n = dense.n, p = dense.p
        // ZΛ (n × q) with Λ = blockdiag(λₖ per level).
        let lambdas = model.blocks.indices.map { k in
            factor.thetaLayout.lambdas(theta)[k].elements
        }
        let zl = dense.zTimes(lambdas)
        // The system over [u; β] (or u alone): [ΛᵀZᵀWZΛ + I, ΛᵀZᵀWX; XᵀWZΛ, XᵀWX].
        let size = q + (integratingFixedEffects ? p : 0)
        func column(_ j: Int, _ i: Int) -> Double { j < q ? zl[i + j * n] : dense.x[i, j - q] }
        var system = [Double](repeating: 0, count: size * size)
        for a in 0..<size {
            for b in 0...a {
                var sum = 0.0
                for i in 0..<n { sum += dense.weights[i] * column(a, i) * column(b, i) }
                if a == b && a < q { sum += 1 }
                system[a + b * size] = sum
                system[b + a * size] = sum
            }
        }
        // The inverse's lower triangle: Cholesky, then (L Lᵀ)⁻¹.
        let inverted = system.withUnsafeMutableBufferPointer {
            LAPACK.choleskyLower(n: size, a: $0.baseAddress!, lda: size) && CholeskyInverse.invertGram(n: size, $0.baseAddress!, lda: size)
        }
        try #require(inverted)
        var offset = 0
        for (k, block) in model.blocks.enumerated() {
            let s = block.dimension
            for level in 0..<block.levelCount {
                for a in 0..<s {
                    for b in 0..<s {
                        let (i, j) = (offset + level * s + max(a, b), offset + level * s + min(a, b))
                        let expected = system[i + j * size]
                        let actual = blocks[k][level * s * s + a + b * s]
                        #expect(abs(actual - expected) < 1e-10 * max(1, abs(expected)), "\(name) block \(k) level \(level) (\(a), \(b)): \(actual) vs \(expected)")
                    }
                }
            }
            offset += block.effectCount
        }
    }

    /// A crossed design whose dense part would not fit is refused before it is allocated, naming
    /// the grouping factor that makes it dense.
    @Test func denseBlockBeyondTheMemoryLimitIsRefused() throws {
        let model = try DensityTestModels.model(named: "penicillin")
        #expect(throws: MixedModelError.self) {
            _ = try CrossProducts(blocks: model.blocks, x: model.design.fixedEffects.matrix, y: model.design.response, memoryLimit: 1000)
        }
        do {
            _ = try CrossProducts(blocks: model.blocks, x: model.design.fixedEffects.matrix, y: model.design.response, memoryLimit: 1000)
        } catch {
            guard case .tooLarge(let group, let rows, _, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(group == "sample" && rows == 6 + 2)
            #expect(error.description.contains("'sample'"))
        }
    }
}
