import Foundation
import Testing
@testable import Marginal

/// ``CrossTabulation``: its products against the sums over the data rows they stand for, in each
/// storage (padded unit values, unit values, general values).
@Suite struct CrossTabulationTests {
    /// y = sign·(Z_aᵀZ_b)x row by row: each data row adds z_a,n z_b,nᵀ x_{level_b(n)} to a's level.
    static func rowProduct(_ rows: MixedModelRows, a: Int, b: Int, x: [Double], sign: Double) -> [Double] {
        let left = rows.blocks[a], right = rows.blocks[b]
        let sa = left.dimension, sb = right.dimension
        var y = [Double](repeating: 0, count: left.levelCount * sa)
        for n in 0..<rows.n {
            let i = Int(left.codes[n]), j = Int(right.codes[n])
            for r in 0..<sa {
                for c in 0..<sb { y[i * sa + r] += sign * left.z[n * sa + r] * right.z[n * sb + c] * x[j * sb + c] }
            }
        }
        return y
    }

    static func expectProductsMatchRows(_ model: LinearMixedModel, padded expected: [Bool]) {
        let rows = MixedModelRows(model: model)
        var random = RandomSource(seed: 5)
        var seen: [Bool] = []
        for a in rows.blocks.indices {
            for b in rows.blocks.indices where b != a {
                let cross = CrossTabulation(rows: rows, a: a, b: b)
                seen.append(cross.padded)
                let count = rows.blocks[b].levelCount * rows.blocks[b].dimension
                // The zero after b's effects, which padded products read.
                let x = (0..<count).map { _ in random.normal() } + [0]
                var y = (0..<(rows.blocks[a].levelCount * rows.blocks[a].dimension)).map { _ in random.normal() }
                let start = y
                y.withUnsafeMutableBufferPointer { yp in
                    x.withUnsafeBufferPointer { cross.accumulateProduct($0.baseAddress!, into: yp.baseAddress!, sign: -1) }
                }
                let direct = Self.rowProduct(rows, a: a, b: b, x: x, sign: -1)
                let worst = zip(zip(y, start), direct).reduce(0.0) { max($0, abs($1.0.0 - $1.0.1 - $1.1)) }
                #expect(worst < 1e-12, "blocks \(a), \(b): off by \(worst)")
            }
        }
        #expect(seen == expected)
    }

    /// Penicillin: 24 plates × 6 samples, each pair once. Per sample 24 plates (padded), per plate 6.
    @Test func unitPairsArePaddedWhenLevelsHaveMany() throws {
        let model = try LinearMixedModel(design: HandBuiltDesigns.penicillin())
        #expect(model.blocks.map(\.group) == ["plate", "sample"])
        Self.expectProductsMatchRows(model, padded: [false, true])
    }

    /// Random slopes: general values, never padded.
    @Test func generalValuesMatchTheRows() throws {
        let model = try AlternativeDensityGradientTests.model(named: "crossed-slopes")
        let blocks = model.blocks.count
        Self.expectProductsMatchRows(model, padded: [Bool](repeating: false, count: blocks * (blocks - 1)))
    }
}
