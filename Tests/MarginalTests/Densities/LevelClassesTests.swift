import Foundation
import Testing
@testable import Marginal

/// The single-factor class sums (`LevelClasses`) against the blocked factor they replace: the
/// same value and gradient at the same points, whether the levels form one class (balanced
/// designs), a few (unequal group sizes) or one each (continuous slopes).
@Suite struct LevelClassesTests {
    static let singleFactor = ["sleepstudy", "sleepstudy zerocorr", "dyestuff", "unequal groups", "single slopes"]

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
