import Foundation
import Testing
@testable import Marginal

/// The single-factor class sums (`LevelClasses`) against the blocked factor they replace: the
/// same value and gradient at the same points, whether the levels form one class (balanced
/// designs), a few (unequal group sizes) or one each (continuous slopes).
@Suite struct LevelClassesTests {
    static let singleFactor = ["sleepstudy", "sleepstudy zerocorr", "dyestuff", "unequal groups", "single slopes", "three slopes"]

    @Test(arguments: singleFactor)
    func classSumsMatchTheBlockedFactor(_ name: String) throws {
        let model = try DensityTestModels.model(named: name)
        let classes = try #require(LevelClasses(products: model.products, onlyIfCheaper: false))
        var viaClasses = MarginalizedMixedModelDensity(model: model)
        viaClasses.useLevelClasses(classes)
        var viaFactor = MarginalizedMixedModelDensity(model: model)
        viaFactor.useLevelClasses(nil)
        let layout = viaFactor.parameterization
        for x in try MarginalizedDensityTests.testPoints(model, layout) {
            var g1 = [Double](repeating: .nan, count: layout.dimension)
            var g2 = [Double](repeating: .nan, count: layout.dimension)
            let v1 = viaClasses.logDensity(at: x, gradient: &g1)
            let v2 = viaFactor.logDensity(at: x, gradient: &g2)
            #expect(relativeError(v1, v2) < 1e-11, "\(name): \(v1) vs \(v2)")
            let scale = g2.map(abs).max() ?? 1
            for i in x.indices {
                #expect(abs(g1[i] - g2[i]) <= 1e-9 * max(1, scale), "\(name) \(layout.parameterNames[i]): \(g1[i]) vs \(g2[i])")
            }
            let l1 = viaClasses.logLikelihood(at: x)
            let l2 = viaFactor.logLikelihood(at: x)
            #expect(relativeError(try #require(l1), try #require(l2)) < 1e-11)
        }
    }

    /// Levels with equal Z_cᵀZ_c share a class; the density uses the classes only when they save work.
    @Test func classesGroupEqualCrossProducts() throws {
        let sleep = try DensityTestModels.model(named: "sleepstudy")
        let one = try #require(LevelClasses(products: sleep.products))
        #expect(one.classCount == 1 && one.levelCount == 18 && one.multiplicity == [18])
        // Days 0…9 for every subject: A = [10 45; 45 285].
        #expect(one.crossProducts == [10, 45, 45, 285])
        #expect(MarginalizedMixedModelDensity(model: sleep).levelClasses != nil)

        // g2 has 12 levels of sizes 24, 25, 26, 28, 28, 32, 34, 34, 37, 42, 45, 45: 9 classes.
        let unequal = try DensityTestModels.model(named: "unequal groups")
        let nine = try #require(LevelClasses(products: unequal.products, onlyIfCheaper: false))
        #expect(nine.classCount == 9)
        #expect(nine.multiplicity.reduce(0, +) == 12)
        #expect(Set(nine.crossProducts) == [24, 25, 26, 28, 32, 34, 37, 42, 45])
        #expect(LevelClasses(products: unequal.products) == nil)

        // Continuous slopes: every level is its own class; crossed designs have no classes.
        let slopes = try DensityTestModels.model(named: "single slopes")
        #expect(LevelClasses(products: slopes.products, onlyIfCheaper: false)?.classCount == 40)
        #expect(LevelClasses(products: slopes.products) == nil)
        #expect(LevelClasses(products: try DensityTestModels.model(named: "penicillin").products, onlyIfCheaper: false) == nil)
    }
}

/// A crossed design whose dense trailing block (130 lecturers) is above the recursion cutoff of
/// `CholeskyInverse`, so that the gradient's factor-and-inverse pass recurses: the value against
/// the dense formula, the gradient against the path that inverts the finished factor.
@Suite struct LargeTrailingBlockTests {
    static func model() throws -> LinearMixedModel {
        var simulation = InstEvalSimulation(seed: 3)
        simulation.rows = 700
        simulation.students = 160
        simulation.lecturers = 130
        simulation.departments = 6
        return try LinearMixedModel(formula: "y ~ 1 + service + (1 | s) + (1 | d)", data: simulation.generate().frame)
    }

    @Test func factorAndInverseTogetherMatchTheDenseFormulaAndTheSeparatePath() throws {
        let model = try Self.model()
        #expect(model.products.fixedOffset == 130)
        let layout = MixedModelParameterization(model: model)
        let dense = DenseMarginalModel(model)
        var globals = layout.makeGlobals()
        var random = RandomSource(seed: 8)
        let center = layout.unconstrained(fit: try model.fit(criterion: .ml))
        for _ in 0..<2 {
            let x = center.map { $0 + 0.3 * random.normal() }
            layout.decode(x, into: &globals)
            var together = MarginalizedMixedModelDensity(model: model)
            var g1 = [Double](repeating: .nan, count: layout.dimension)
            let v1 = together.logDensity(at: x, gradient: &g1)
            // A value-only evaluation first leaves a factor without its inverse.
            var separate = MarginalizedMixedModelDensity(model: model)
            let valueOnly = separate.logLikelihood(at: x)
            let likelihood = try #require(valueOnly)
            var g2 = [Double](repeating: .nan, count: layout.dimension)
            let v2 = separate.logDensity(at: x, gradient: &g2)
            let expected = dense.logLikelihood(beta: globals.beta, sigma: globals.sigma, factors: globals.factors)
            #expect(relativeError(likelihood, expected) < 1e-9, "\(likelihood) vs \(expected)")
            #expect(relativeError(v1, v2) < 1e-12)
            let scale = g2.map(abs).max() ?? 1
            for i in x.indices {
                #expect(abs(g1[i] - g2[i]) <= 1e-9 * scale, "\(layout.parameterNames[i]): \(g1[i]) vs \(g2[i])")
            }
        }
    }
}

extension LevelClassesTests {
    /// Recovery through the classes is the blocked factor's affine map z ↦ b.
    @Test(arguments: singleFactor)
    func classRecoveryMatchesTheBlockedFactor(_ name: String) throws {
        let model = try DensityTestModels.model(named: name)
        let classes = try #require(LevelClasses(products: model.products, onlyIfCheaper: false))
        var viaClasses = MarginalizedMixedModelDensity(model: model)
        viaClasses.useLevelClasses(classes)
        var viaFactor = MarginalizedMixedModelDensity(model: model)
        viaFactor.useLevelClasses(nil)
        let q = viaFactor.randomEffectsLayout.count
        var random = RandomSource(seed: 21)
        for x in try MarginalizedDensityTests.testPoints(model, viaFactor.parameterization, count: 2) {
            let z = (0..<q).map { _ in random.normal() }
            var b1 = [Double](repeating: .nan, count: q)
            var b2 = [Double](repeating: .nan, count: q)
            let ok1 = viaClasses.randomEffects(at: x, standardNormal: z, into: &b1)
            let ok2 = viaFactor.randomEffects(at: x, standardNormal: z, into: &b2)
            #expect(ok1 && ok2)
            let scale = b2.map(abs).max() ?? 1
            for i in 0..<q { #expect(abs(b1[i] - b2[i]) <= 1e-10 * scale, "\(name) effect \(i): \(b1[i]) vs \(b2[i])") }
        }
    }
}
