import Foundation
import Testing
@testable import Marginal

/// A fit does not depend on the location and units of the response or of a covariate: y → a + s·y
/// and x → a + s·x give the same model, so the same σ (times s for y), the same variance
/// components, and criteria that differ by known constants (n log s² for y; 2 log s in the REML
/// term for a scaled fixed-effect column). Before the engine's ``FixedEffectsBasis`` and the
/// optimizer's column scaling (``LinearMixedModel/thetaScales``), Reaction + 10⁹ lost every digit
/// of r² and Days × 86,400 stopped BOBYQA 12 units above the optimum, both silently.
@Suite struct InvarianceTests {
    struct Case: Sendable, CustomStringConvertible {
        let file: String
        let formula: String
        let column: String
        let shift: Double
        let scale: Double
        /// The column is the response (else a covariate used in X and Z).
        let response: Bool
        var description: String { "\(file) \(column) → \(shift) + \(scale)·\(column)" }
    }

    static let cases: [Case] = [
        Case(file: "sleepstudy", formula: "Reaction ~ 1 + Days + (1 + Days | Subject)", column: "Reaction", shift: 1e9, scale: 1, response: true),
        Case(file: "sleepstudy", formula: "Reaction ~ 1 + Days + (1 + Days | Subject)", column: "Reaction", shift: -3e7, scale: 1e3, response: true),
        Case(file: "sleepstudy", formula: "Reaction ~ 1 + Days + (1 + Days | Subject)", column: "Days", shift: 0, scale: 86_400, response: false),
        Case(file: "sleepstudy", formula: "Reaction ~ 1 + Days + (1 + Days | Subject)", column: "Days", shift: 0, scale: 1e-6, response: false),
        Case(file: "Penicillin", formula: "diameter ~ 1 + (1 | plate) + (1 | sample)", column: "diameter", shift: 1e9, scale: 1, response: true),
        Case(file: "Pastes", formula: "strength ~ 1 + (1 | batch/cask)", column: "strength", shift: 0, scale: 1e-4, response: true),
        Case(file: "crossed_slopes", formula: "y ~ 1 + x + f + (1 + x | g1) + (1 | g2)", column: "x", shift: 0, scale: 1e4, response: false),
        Case(file: "crossed_slopes", formula: "y ~ 1 + x + f + (1 + x | g1) + (1 | g2)", column: "y", shift: 1e8, scale: 1, response: true),
    ]

    static func frame(_ file: String, transforming column: String? = nil, shift: Double = 0, scale: Double = 1) throws -> DataFrame {
        var options = CSVOptions()
        options.levelOrders = try ReferenceSchema.levelOrders(dataset: file)
        var data = try CSVReader.read(path: FormulaTestData.examplesDirectory.appendingPathComponent("\(file).csv").path, options: options)
        if let column, case .numeric(var values) = try data.column(column) {
            values.values = values.values.map { shift + scale * $0 }
            try data.replace(column, with: .numeric(values))
        }
        return data
    }

    @Test(arguments: cases, [FitCriterion.reml, .ml])
    func fitIsInvariantToAffineChanges(_ c: Case, _ criterion: FitCriterion) throws {
        let base = try LinearMixedModel(formula: c.formula, data: Self.frame(c.file)).fit(criterion: criterion)
        let changed = try LinearMixedModel(formula: c.formula, data: Self.frame(c.file, transforming: c.column, shift: c.shift, scale: c.scale))
            .fit(criterion: criterion)
        let n = Double(base.nobs)
        // −2 log L gains n log s² when y is in other units; REML's log det(XᵀV⁻¹X) gains 2 log s
        // for a scaled X column and loses 2(p) log s for y (V scales by s²).
        let p = Double(base.fixedEffects.count)
        let expectedShift = c.response
            ? (criterion == .ml ? n : n - p) * log(c.scale * c.scale)
            : (criterion == .reml ? 2 * log(c.scale) : 0)
        #expect(relativeError(changed.objective - expectedShift, base.objective) < 1e-8,
                "\(c) \(criterion): \(changed.objective) − \(expectedShift) vs \(base.objective)")
        let sigmaScale = c.response ? c.scale : 1
        #expect(relativeError(changed.sigma / sigmaScale, base.sigma) < 1e-6, "\(c) σ \(changed.sigma) vs \(base.sigma)")
        #expect(changed.isSingular == base.isSingular, "\(c) singular")
        for (mine, theirs) in zip(changed.varianceComponents, base.varianceComponents) {
            for (a, (b, name)) in zip(mine.standardDeviations, zip(theirs.standardDeviations, theirs.names)) {
                // An SD of a covariate's slope is in units of y per unit of the covariate.
                let unit = c.response ? c.scale : (name == c.column ? 1 / c.scale : 1)
                #expect(relativeError(a / unit, b, floor: 1e-6 * base.sigma) < 1e-5, "\(c) SD \(theirs.group) \(name): \(a / unit) vs \(b)")
            }
        }
    }
}
