import Foundation
import Testing
@testable import Marginal

/// ``CrossProducts/replaceResponse(_:weights:)`` against cross products accumulated from scratch
/// for the new response (``LinearMixedModel/replacingResponse(_:)``): crossed, nested and
/// vector-valued designs, with and without prior weights.
@Suite struct ResponseReplacementTests {
    static let designs: [(file: String, formula: String, factors: Set<String>)] = [
        ("Penicillin", "diameter ~ 1 + (1 | plate) + (1 | sample)", ["plate", "sample"]),
        ("Pastes", "strength ~ 1 + (1 | batch/cask)", ["batch", "cask"]),
        ("sleepstudy", "Reaction ~ Days + (Days | Subject)", ["Subject"]),
        ("crossed_slopes", "y ~ 1 + x + f + (1 + x | g1) + (1 | g2)", ["g1", "g2"]),
    ]

    @Test(arguments: designs.indices, [false, true])
    func matchesAFreshAccumulation(_ index: Int, weighted: Bool) throws {
        let (file, formula, factors) = Self.designs[index]
        var options = CSVOptions()
        options.factorColumns = factors
        var design = try ModelDesign(formula: formula, data: CSVReader.read(path: "Examples/\(file).csv", options: options))
        var random = RandomSource(seed: UInt64(index + 1))
        if weighted { design.weights = (0..<design.nobs).map { _ in 0.5 + random.uniform() } }
        let model = try LinearMixedModel(design: design)
        let y = design.response.map { $0 + 3 * random.normal() }
        let fresh = model.replacingResponse(y).products
        var replaced = model.products
        replaced.replaceResponse(y, weights: design.weights)
        func close(_ a: [Double], _ b: [Double], _ what: String) {
            #expect(a.count == b.count, "\(what)")
            let scale = b.reduce(1) { max($0, abs($1)) }
            let worst = zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
            #expect(worst <= 1e-11 * scale, "\(what): \(worst) against a scale of \(scale)")
        }
        close(replaced.basis.shift, fresh.basis.shift, "shift")
        close(replaced.basis.response, fresh.basis.response, "ỹ")
        close(replaced.first.values, fresh.first.values, "first panels")
        close(replaced.first.diagonal, fresh.first.diagonal, "first diagonal")
        for k in fresh.nested.indices { close(replaced.nested[k].values, fresh.nested[k].values, "nested panels \(k)") }
        close(replaced.trailing, fresh.trailing, "dense part")
        // And the objective the engine reads from them.
        var a = PenalizedLeastSquares(products: replaced, factors: model.factors)
        var b = PenalizedLeastSquares(products: fresh, factors: model.factors)
        let theta = model.startingTheta
        #expect(a.update(theta: theta) && b.update(theta: theta))
        #expect(abs(a.penalizedResidualSumOfSquares - b.penalizedResidualSumOfSquares) <= 1e-10 * b.penalizedResidualSumOfSquares)
    }
}
