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

    /// Checks every pair of blocks; returns whether each was padded and whether its levels were
    /// stored out of their own order.
    @discardableResult
    static func expectProductsMatchRows(_ model: LinearMixedModel, padded expected: [Bool]? = nil) -> (padded: [Bool], reordered: [Bool]) {
        let rows = MixedModelRows(model: model)
        var random = RandomSource(seed: 5)
        var seen: [Bool] = []
        var reordered: [Bool] = []
        for a in rows.blocks.indices {
            for b in rows.blocks.indices where b != a {
                let cross = CrossTabulation(rows: rows, a: a, b: b)
                seen.append(cross.padded)
                reordered.append(cross.target != (0..<Int32(rows.blocks[a].levelCount)).map { $0 })
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
        if let expected { #expect(seen == expected) }
        return (seen, reordered)
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

    /// Levels with different numbers of pairs are stored by that number: a course-evaluation
    /// design (student × lecturer pairs that repeat, general values), and unit pairs with 5 to 35
    /// of 40 columns per level (padded both ways).
    @Test func levelsStoredByTheirNumberOfPairsMatchTheRows() throws {
        let data = try InstEvalSimulation.scaled(rows: 2_000, seed: 3).generate().frame
        let course = try LinearMixedModel(formula: "y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept)", data: data)
        // Blocks d, s, dept: every lecturer in one department, so (d, dept) has one pair per level.
        let general = Self.expectProductsMatchRows(course, padded: [Bool](repeating: false, count: 6))
        #expect(general.reordered == [true, false, true, true, true, true])
        var random = RandomSource(seed: 11)
        var y: [Double] = [], g: [String?] = [], h: [String?] = []
        for i in 0..<30 {
            var columns = Array(0..<40)
            for j in 0..<(5 + (7 * i) % 31) {
                let pick = j + Int(random.uniform() * Double(40 - j))
                columns.swapAt(j, pick)
                y.append(random.normal())
                g.append("g\(i)")
                h.append("h\(columns[j])")
            }
        }
        let unit = try LinearMixedModel(formula: "y ~ 1 + (1 | g) + (1 | h)", data: BayesianTestData.frame(y: y, g: g, h: h))
        let padded = Self.expectProductsMatchRows(unit, padded: [true, true])
        #expect(padded.reordered == [true, true])
    }
}
