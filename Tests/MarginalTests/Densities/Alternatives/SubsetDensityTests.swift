import Foundation
import Testing
@testable import Marginal

/// ``SubsetMarginalizedDensity``: with one factor integrated out it is the one-class density
/// computed another way (the blocked factor with the sampled effects in the response, against
/// Woodbury level by level), and with two it has the gradient of central finite differences.
@Suite struct SubsetDensityTests {
    typealias Support = AlternativeDensitySupport

    /// 96 rows over three crossed factors: 12 students s, 8 lecturers d, each lecturer in one of
    /// 4 departments crossed with a 0/1 service indicator (the course-evaluation shape).
    static func threeFactorModel() throws -> LinearMixedModel {
        var random = RandomSource(seed: 77)
        var lines = ["y,service,s,d,cell"]
        for row in 0..<96 {
            let s = row % 12, d = (row / 3) % 8, service = (row / 7) % 2
            let y = 3 + 0.4 * Double(service) + 0.5 * random.normal() + random.normal()
            lines.append("\(y),\(service),s\(s),d\(d),c\(d % 4)x\(service)")
        }
        let data = try CSVReader.read(bytes: Array((lines.joined(separator: "\n") + "\n").utf8))
        return try LinearMixedModel(design: ModelDesign(formula: "y ~ 1 + service + (1 | s) + (1 | d) + (1 | cell)", data: data))
    }

    @Test(arguments: ["penicillin", "crossed-slopes"])
    func oneFactorEqualsTheOneClassDensity(_ name: String) throws {
        let model = try AlternativeDensityGradientTests.model(named: name)
        for group in model.blocks.map(\.group) {
            var oneClass = try OneClassMarginalizedDensity(model: model, marginalizing: group, effects: .nonCentered)
            var subset = try SubsetMarginalizedDensity(
                model: model, marginalizing: [group], effects: .nonCentered, parameterization: oneClass.parameterization)
            #expect(subset.parameterNames == oneClass.parameterNames)
            let x = OneClassDensityTests.point(model, layout: oneClass.parameterization, sampled: oneClass.dimension - oneClass.parameterization.dimension, seed: 3)
            var g1 = [Double](repeating: 0, count: x.count), g2 = g1
            let v1 = oneClass.logDensity(at: x, gradient: &g1)
            let v2 = subset.logDensity(at: x, gradient: &g2)
            #expect(abs(v1 - v2) <= 1e-9 * abs(v1), "\(group): \(v1) vs \(v2)")
            let scale = g1.reduce(1) { max($0, abs($1)) }
            let worst = zip(g1, g2).reduce(0) { max($0, abs($1.0 - $1.1)) }
            #expect(worst <= 1e-8 * scale, "\(group): gradients differ by \(worst)")
        }
    }

    @Test(arguments: [RandomEffectParameterization.nonCentered, .partial])
    func twoFactorsGradientMatchesFiniteDifferences(_ form: RandomEffectParameterization) throws {
        let model = try Self.threeFactorModel()
        let layout = MixedModelParameterization(model: model)
        var density = try SubsetMarginalizedDensity(model: model, marginalizing: ["d", "cell"], effects: form, parameterization: layout)
        #expect(density.marginalizedGroups.sorted() == ["cell", "d"])
        let x = OneClassDensityTests.point(model, layout: layout, sampled: density.dimension - layout.dimension, seed: 11)
        Support.expectGradientMatchesFiniteDifferences(&density, at: x)
    }

    @Test func refusesWhatItCannotDo() throws {
        let model = try Self.threeFactorModel()
        let layout = MixedModelParameterization(model: model)
        #expect(throws: MixedModelDensityError.subsetNeedsBothKinds(groups: model.blocks.map(\.group))) {
            try SubsetMarginalizedDensity(model: model, marginalizing: ["s", "d", "cell"], parameterization: layout)
        }
        #expect(throws: MixedModelDensityError.self) {
            try SubsetMarginalizedDensity(model: model, marginalizing: ["lecturer"], parameterization: layout)
        }
    }
}

extension SubsetDensityTests {
    /// The recovered effects of the factor integrated out are draws from its conditional: with one
    /// factor, their mean over 4,000 draws is the one-class density's conditional mean within
    /// 4.5 Monte Carlo standard errors, and the sampled factor's effects are those at x.
    @Test func recoveryDrawsFromTheConditional() throws {
        let model = try AlternativeDensityGradientTests.model(named: "penicillin")
        let group = model.blocks[1].group
        var oneClass = try OneClassMarginalizedDensity(model: model, marginalizing: group, effects: .nonCentered)
        var subset = try SubsetMarginalizedDensity(model: model, marginalizing: [group], effects: .nonCentered, parameterization: oneClass.parameterization)
        let x = OneClassDensityTests.point(model, layout: oneClass.parameterization, sampled: oneClass.dimension - oneClass.parameterization.dimension, seed: 4)
        var mean = [Double](repeating: 0, count: subset.randomEffectsLayout.count)
        #expect(oneClass.conditionalMeanRandomEffects(at: x, into: &mean))
        var random = RandomSource(seed: 12)
        var draw = mean
        let draws = 4000
        var sum = [Double](repeating: 0, count: mean.count), squares = sum
        for _ in 0..<draws {
            #expect(subset.drawRandomEffects(at: x, using: &random, into: &draw))
            for i in draw.indices {
                sum[i] += draw[i]
                squares[i] += draw[i] * draw[i]
            }
        }
        for i in mean.indices {
            let average = sum[i] / Double(draws)
            let sd = max(squares[i] / Double(draws) - average * average, 0).squareRoot()
            #expect(abs(average - mean[i]) <= 4.5 * sd / Double(draws).squareRoot() + 1e-12, "effect \(i): \(average) vs \(mean[i]) (sd \(sd))")
        }
    }
}
