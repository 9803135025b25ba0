import Foundation
import Testing
@testable import Marginal

/// ``CrossProducts/setResponseProducts(effectSums:fixedSums:squares:)`` against cross products
/// accumulated from scratch for the new response (``LinearMixedModel/replacingResponse(_:)``):
/// crossed, nested and vector-valued designs. The shift of the basis is kept, so the products
/// differ from the fresh ones in the y row; the factor's penalized residual sum of squares and
/// its conditional modes at a fixed β, which do not depend on the shift, agree.
@Suite struct ResponseReplacementTests {
    static let designs: [(file: String, formula: String, factors: Set<String>)] = [
        ("Penicillin", "diameter ~ 1 + (1 | plate) + (1 | sample)", ["plate", "sample"]),
        ("Pastes", "strength ~ 1 + (1 | batch/cask)", ["batch", "cask"]),
        ("sleepstudy", "Reaction ~ Days + (Days | Subject)", ["Subject"]),
        ("crossed_slopes", "y ~ 1 + x + f + (1 + x | g1) + (1 | g2)", ["g1", "g2"]),
    ]

    @Test(arguments: designs.indices)
    func matchesAFreshAccumulation(_ index: Int) throws {
        let (file, formula, factors) = Self.designs[index]
        var options = CSVOptions()
        options.factorColumns = factors
        let design = try ModelDesign(formula: formula, data: CSVReader.read(path: "Examples/\(file).csv", options: options))
        var random = RandomSource(seed: UInt64(index + 1))
        let model = try LinearMixedModel(design: design)
        let y = design.response.map { $0 + 3 * random.normal() }
        let fresh = model.replacingResponse(y).products
        // ỹ = y − X̃c in the old basis, and its sums, formed row by row.
        let basis = model.products.basis
        let n = y.count, p = basis.p
        let response = (0..<n).map { i in y[i] - (0..<p).reduce(0) { $0 + basis.columns[i, $1] * basis.shift[$1] } }
        let effectSums = model.blocks.map { block in
            var sums = [Double](repeating: 0, count: block.effectCount)
            for i in 0..<n {
                for a in 0..<block.dimension { sums[Int(block.codes[i]) * block.dimension + a] += block.z[a, i] * response[i] }
            }
            return sums
        }
        let fixedSums = (0..<p).map { j in (0..<n).reduce(0) { $0 + basis.columns[$1, j] * response[$1] } }
        var replaced = PenalizedLeastSquares(products: model.products, factors: model.factors)
        replaced.setResponseProducts(effectSums: effectSums, fixedSums: fixedSums, squares: response.reduce(0) { $0 + $1 * $1 })
        var reference = PenalizedLeastSquares(products: fresh, factors: model.factors)
        let theta = model.startingTheta.map { $0 * 1.3 }
        #expect(replaced.update(theta: theta) && reference.update(theta: theta))
        let prss = reference.penalizedResidualSumOfSquares
        #expect(abs(replaced.penalizedResidualSumOfSquares - prss) <= 1e-10 * prss, "\(file)")
        // The solution (u, β̂) in the user's coordinates.
        let (u, beta) = replaced.solve()
        let (u0, beta0) = reference.solve()
        for j in 0..<p { #expect(abs(beta[j] - beta0[j]) <= 1e-9 * max(1, abs(beta0[j])), "\(file) β̂[\(j)]") }
        for (a, b) in zip(u.joined(), u0.joined()) { #expect(abs(a - b) <= 1e-9 * max(1, abs(b)), "\(file) u") }
    }
}
