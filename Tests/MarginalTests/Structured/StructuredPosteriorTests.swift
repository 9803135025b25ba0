import Foundation
import Testing
@testable import Marginal

/// The Bayesian layout of glmmTMB's structured terms (``MixedModelParameterization``: the
/// structure's SDs and its unconstrained φ): at the ML fit's x the marginal likelihood is the fit's
/// and the reported values its estimates; the gradient matches finite differences; the default
/// priors are named and can be set; and NUTS on `ar1` lands near the ML fit.
@Suite struct StructuredPosteriorTests {
    static let cases = StructuredGradientTests.cases

    @Test(arguments: cases.indices)
    func likelihoodAtTheFitIsTheFits(_ index: Int) throws {
        let (file, formula, _) = Self.cases[index]
        let model = try LinearMixedModel(formula: formula, data: CSVReader.read(path: file))
        let fit = try model.fit(criterion: .ml)
        var density = MarginalizedMixedModelDensity(model: model)
        let layout = density.parameterization
        let x = layout.unconstrained(fit: fit)
        #expect(x.count == layout.dimension && layout.parameterNames.count == layout.dimension)
        let likelihood = density.logLikelihood(at: x)
        let value = try #require(likelihood)
        #expect(abs(value - fit.logLikelihood) < 1e-8 * abs(fit.logLikelihood), "\(formula): \(value) vs \(fit.logLikelihood)")
        // The reported SDs and structure parameters are the fit's (each structure's own, in order).
        let reported = Dictionary(zip(layout.parameterNames, layout.reportedValues(x)), uniquingKeysWith: { a, _ in a })
        for component in fit.varianceComponents where component.structure != nil {
            for parameter in component.structureParameters {
                let estimate = try #require(reported["\(parameter.name)[\(component.group)]"], "\(parameter.name)[\(component.group)]")
                #expect(abs(estimate - parameter.value) < 1e-8 * max(1, abs(parameter.value)), "\(formula) \(parameter.name)")
            }
            let shared = layout.parameterNames.contains("sd[\(component.group)]")
            let sd = try #require(reported[shared ? "sd[\(component.group)]" : "sd[\(component.group)][\(component.names[0])]"])
            #expect(abs(sd - component.standardDeviations[0]) < 1e-8 * component.standardDeviations[0], "\(formula) sd")
        }
    }

    @Test(arguments: cases.indices)
    func gradientMatchesFiniteDifferences(_ index: Int) throws {
        let (file, formula, _) = Self.cases[index]
        let model = try LinearMixedModel(formula: formula, data: CSVReader.read(path: file))
        var density = MarginalizedMixedModelDensity(model: model)
        // Away from the fit, every coordinate moved.
        let x = density.parameterization.unconstrained(fit: try model.fit(criterion: .ml)).enumerated().map { $1 + 0.15 * sin(Double($0 + 1)) }
        AlternativeDensitySupport.expectGradientMatchesFiniteDifferences(&density, at: x, tolerance: 1e-5)
    }

    @Test func priorsAreNamedAndSettable() throws {
        let model = try LinearMixedModel(formula: "y ~ time + x + ar1(time + 0 | id)", data: CSVReader.read(path: StructuredGradientTests.directory + "repeated.csv"))
        var layout = MixedModelParameterization(model: model)
        let names = layout.namedPriors.map(\.name)
        #expect(names.suffix(2) == ["sd[id]", "rho.transformed[id]"])
        #expect(layout.parameterNames.suffix(2) == ["sd[id]", "rho[id]"])
        #expect(layout.namedPriors.last?.prior == .normal(mean: 0, sd: 1.5))
        try layout.setPriors(["rho.transformed[id]=normal(0, 0.5)"])
        #expect(layout.priors.structureParameters == [.normal(mean: 0, sd: 0.5)])
        #expect(throws: PriorError.self) { try layout.setPriors(["rho.transformed[id]=half-normal(1)"]) }
    }

    /// 4 × (300 + 300) draws on the repeated-measures AR(1) data: the posterior medians of σ, the
    /// SD and ρ within 3 posterior SDs of the ML estimates (weak priors, 50 subjects).
    @Test func nutsLandsNearTheFit() throws {
        let model = try LinearMixedModel(formula: "y ~ time + x + ar1(time + 0 | id)", data: CSVReader.read(path: StructuredGradientTests.directory + "repeated.csv"))
        let fit = try model.fit(criterion: .ml)
        let sample = try BayesianMixedModel(model: model, strategy: .marginalizeAll)
            .sample(settings: SamplerSettings(chains: 4, warmup: 300, draws: 300, seed: 3), recover: false)
        let component = try #require(fit.varianceComponents.first { $0.structure != nil })
        let rho = try #require(component.structureParameters.first?.value)
        for (name, estimate) in [("sigma", fit.sigma), ("sd[id]", component.standardDeviations[0]), ("rho[id]", rho)] {
            let summary = try #require(sample.parameters.first { $0.name == name }, "\(name)")
            #expect(abs(summary.q50 - estimate) < 3 * summary.sd, "\(name): \(summary.q50) ± \(summary.sd) vs \(estimate)")
        }
    }

    /// A generalized model's layout takes the structure too: at the Laplace fit's coordinates T is
    /// the fit's Λ(θ̂), and the sampled density's gradient matches finite differences.
    @Test func generalizedDensityTakesTheStructure() throws {
        let data = try CSVReader.read(path: StructuredCovarianceReferenceTests.directory + "binary_ar1.csv")
        let model = try GeneralizedLinearMixedModel(design: ModelDesign(formula: "y ~ x + ar1(time + 0 | id)", data: data), family: BinomialFamily())
        let fit = try model.fit()
        let priors = GeneralizedPriors(design: model.design, blocks: model.blocks)
        let x = priors.coordinates(of: fit, model: model)
        var layoutX = [Double](repeating: 0, count: priors.layout.dimension)
        priors.layoutCoordinates(x, into: &layoutX)
        var globals = priors.layout.makeGlobals()
        priors.layout.decode(layoutX, into: &globals)
        let lambda = model.thetaLayout.lambdas(fit.theta)[0].elements
        let worst = zip(globals.factors[0], lambda).reduce(0.0) { max($0, abs($1.0 - $1.1)) }
        #expect(worst < 1e-10, "T differs from Λ(θ̂) by \(worst)")
        var density = try GeneralizedMixedDensity(model: model, integrating: nil, points: 15, priors: priors)
        let point = x + AlternativeDensitySupport.normals(density.dimension - x.count, seed: 2).map { 0.5 * $0 }
        AlternativeDensitySupport.expectGradientMatchesFiniteDifferences(&density, at: point, tolerance: 1e-5)
    }
}
