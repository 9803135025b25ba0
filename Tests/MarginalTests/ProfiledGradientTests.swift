import Foundation
import Testing
@testable import Marginal

/// The exact gradient of the profiled deviance and REML criterion against central finite
/// differences of the objective, inside the bounds and on them (a zero diagonal of λ), on designs
/// with a vector first block, crossed scalar blocks, a vector dense block, prior weights and an
/// offset.
@Suite struct ProfiledGradientTests {
    static let names = ["sleepstudy", "sleepstudy zerocorr", "penicillin", "crossed slopes", "trailing slopes", "three slopes", "dyestuff"]

    static func check(_ model: LinearMixedModel, theta: [Double], criterion: FitCriterion, label: String) throws {
        var factor = PenalizedLeastSquares(products: model.products, factors: model.factors)
        let updated = factor.update(theta: theta)
        try #require(updated)
        let gradient = try #require(factor.profiledGradient(criterion: criterion))
        let lower = model.thetaLowerBounds
        for i in theta.indices {
            let h = 1e-5 * max(1, abs(theta[i]))
            func at(_ t: Double) -> Double {
                var moved = theta
                moved[i] += t
                return model.objective(theta: moved, criterion: criterion)
            }
            // One-sided on a bound.
            let numeric = lower[i] == 0 && theta[i] == 0
                ? (-3 * at(0) + 4 * at(h) - at(2 * h)) / (2 * h)
                : (at(h) - at(-h)) / (2 * h)
            #expect(abs(gradient[i] - numeric) <= 2e-4 * max(1, abs(numeric)), "\(label) \(criterion) θ\(i): \(gradient[i]) vs \(numeric)")
        }
    }

    @Test(arguments: names, [FitCriterion.ml, .reml])
    func gradientMatchesFiniteDifferences(_ name: String, _ criterion: FitCriterion) throws {
        let model = try DensityTestModels.model(named: name)
        let interior = model.initialTheta.enumerated().map { $0.element == 0 ? 0.15 * Double($0.offset % 3) - 0.1 : 0.5 + 0.2 * Double($0.offset) }
        try Self.check(model, theta: interior, criterion: criterion, label: name)
        // A zero diagonal (the first θ, a diagonal element) as at a singular fit.
        var boundary = interior
        boundary[0] = 0
        try Self.check(model, theta: boundary, criterion: criterion, label: "\(name) on the bound")
    }

    @Test(arguments: [FitCriterion.ml, .reml])
    func weightsAndOffsetInTheGradient(_ criterion: FitCriterion) throws {
        let reference = try ReferenceFit.load("weighted/penicillin_weights_offset_ml")
        var options = CSVOptions()
        options.levelOrders = try ReferenceSchema.levelOrders(dataset: reference.dataset)
        let csv = ReferenceFit.directory.deletingLastPathComponent().appendingPathComponent("\(reference.dataset).csv")
        let model = try LinearMixedModel(formula: reference.formula, data: CSVReader.read(path: csv.path, options: options), options: DesignOptions(weights: "w"))
        try Self.check(model, theta: [0.7, 1.3], criterion: criterion, label: "penicillin weighted")
    }
}

/// Both optimizers reach lme4's optimum on the references, whichever the automatic rule picks.
@Suite struct ThetaOptimizerTests {
    static let references: [(name: String, design: @Sendable () throws -> ModelDesign)] = [
        ("sleepstudy_slope_reml", { try HandBuiltDesigns.sleepstudy() }),
        ("sleepstudy_zerocorr_ml", { try HandBuiltDesigns.sleepstudy(correlated: false) }),
        ("penicillin_reml", { try HandBuiltDesigns.penicillin() }),
        ("dyestuff2_ml", { try HandBuiltDesigns.dyestuff("Dyestuff2.csv") }),
    ]

    @Test(arguments: references.map(\.name), [ThetaOptimizer.lbfgs, .bobyqa])
    func bothOptimizersMatchLme4(_ name: String, _ optimizer: ThetaOptimizer) throws {
        let reference = try ReferenceFit.load(name)
        let design = try #require(Self.references.first { $0.name == name }).design()
        let fit = try LinearMixedModel(design: design).fit(criterion: reference.REML ? .reml : .ml, optimizer: optimizer)
        try expectMatches(fit, reference)
        #expect(fit.objective <= reference.criterion + 1e-9 * abs(reference.criterion), "\(name) \(optimizer): \(fit.objective)")
        #expect(fit.optimization.optimizer.hasPrefix(optimizer == .lbfgs ? "L-BFGS" : "BOBYQA"))
    }

    @Test func automaticRuleFollowsTheNumberOfCovarianceParameters() throws {
        let small = try LinearMixedModel(design: HandBuiltDesigns.sleepstudy())  // 3 θ
        #expect(try small.fit().optimization.optimizer.hasPrefix("BOBYQA"))
        let large = try DensityTestModels.model(named: "three slopes")  // 6 θ
        #expect(try large.fit().optimization.optimizer.hasPrefix("L-BFGS"))
        let nested = try DensityTestModels.model(named: "three levels")  // nested: no gradient yet
        #expect(try nested.fit(optimizer: .lbfgs).optimization.optimizer.hasPrefix("BOBYQA"))
    }
}

/// The post-fit check: a converged fit leaves no slope; a slope inside, or one pointing into the
/// feasible side of a bound, is reported.
@Suite struct ConvergenceCheckTests {
    @Test func fitsReportAVanishingGradient() throws {
        // Nested designs ("three levels", "nested slopes") by central differences.
        for name in ["sleepstudy", "crossed slopes", "three slopes", "trailing slopes", "three levels", "nested slopes"] {
            let fit = try DensityTestModels.model(named: name).fit()
            let gradient = try #require(fit.optimization.finalGradient)
            #expect(gradient.count == fit.theta.count)
            let slope = try #require(LinearMixedModel.remainingSlope(gradient: gradient, theta: fit.theta, lower: try DensityTestModels.model(named: name).thetaLowerBounds))
            #expect(slope.value < LinearMixedModel.gradientTolerance, "\(name): \(slope)")
            #expect(fit.optimization.converged)
        }
    }

    /// The central differences the nested designs' check uses agree with the exact gradient where
    /// both exist, away from the optimum.
    @Test func differenceGradientMatchesTheExactOne() throws {
        for name in ["sleepstudy", "crossed slopes"] {
            let model = try DensityTestModels.model(named: name)
            let theta = model.initialTheta.enumerated().map { $0.element == 0 ? 0.15 : 0.5 + 0.1 * Double($0.offset) }
            let scales = model.thetaScales
            var factor = PenalizedLeastSquares(products: model.products, factors: model.factors)
            _ = LinearMixedModel.objective(&factor, theta: theta, criterion: .reml)
            let exact = try #require(factor.profiledGradient(criterion: .reml)).enumerated().map { $0.element / scales[$0.offset] }
            let differences = LinearMixedModel.differenceGradient(
                &factor, theta: theta, scales: scales, lower: model.thetaLowerBounds, criterion: .reml)
            for (a, b) in zip(differences, exact) { #expect(abs(a - b) < 1e-4 * max(1, abs(b)), "\(name): \(a) vs \(b)") }
        }
    }

    @Test func projectionOnTheBounds() throws {
        let lower = [0, -Double.infinity, 0]
        // On the bound with the slope pointing outwards (g > 0): fine; inwards (g < 0): reported.
        #expect(LinearMixedModel.remainingSlope(gradient: [0.5, 0.001, 0], theta: [0, 0.3, 1], lower: lower)?.value == 0.001)
        let inward = try #require(LinearMixedModel.remainingSlope(gradient: [-0.5, 0.001, 0], theta: [0, 0.3, 1], lower: lower))
        #expect(inward.value == 0.5 && inward.index == 0)
        let interior = try #require(LinearMixedModel.remainingSlope(gradient: [0, 0.001, -0.2], theta: [0, 0.3, 1], lower: lower))
        #expect(interior.index == 2)
    }
}
