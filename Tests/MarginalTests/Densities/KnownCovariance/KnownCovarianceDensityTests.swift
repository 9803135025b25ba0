import Foundation
import Testing
@testable import Marginal

/// The eigen route's log density and gradient against the dense O(n³) formula
/// log N(y; Xβ, σ²I + Z Σ_u Zᵀ) + log priors + log σ, and against central differences.
@Suite struct KnownCovarianceDensityTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let design: @Sendable () throws -> ModelDesign
        let covariance: KnownCovarianceSpecification
        /// T per group for the dense reference.
        let factors: [String: [Double]]
        /// Points (β, σ) at which to compare.
        let points: [([Double], Double)]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "Penicillin (crossed)", design: { try HandBuiltDesigns.penicillin() },
             covariance: KnownCovarianceSpecification(standardDeviations: ["plate": 0.85, "sample": 1.9]),
             factors: ["plate": [0.85], "sample": [1.9]],
             points: [([22.9], 0.55), ([21.0], 2.5), ([24.5], 0.08)]),
        Case(name: "Pastes (nested)", design: { try HandBuiltDesigns.pastes() },
             covariance: KnownCovarianceSpecification(standardDeviations: ["batch": 1.3, "cask:batch": 2.9]),
             factors: ["batch": [1.3], "cask:batch": [2.9]],
             points: [([60.1], 0.85), ([58.0], 4.0)]),
        Case(name: "sleepstudy (vector term, fixed factor T)", design: { try HandBuiltDesigns.sleepstudy() },
             covariance: KnownCovarianceSpecification([.init(group: "Subject", covariance: .factor(Matrix(rows: 2, columns: 2, elements: [24, 1.5, 0, 5.5])))]),
             factors: ["Subject": [24, 1.5, 0, 5.5]],
             points: [([251.4, 10.5], 25.6), ([240, 12], 40)]),
        Case(name: "D = 15 > n = 10", design: { KnownCovarianceReference.wideDesign() },
             covariance: KnownCovarianceSpecification(standardDeviations: ["g": 1.1, "h": 0.7]),
             factors: ["g": [1.1], "h": [0.7]],
             points: [([0.9, 1.1], 0.6), ([0.2, 0.4], 0.05)]),
        Case(name: "InstEval-shaped, 300 rows (D = 112)", design: {
                 let data = try InstEvalSimulation.scaled(rows: 300, seed: 3).generate().frame
                 return try ModelDesign(formula: "y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept)", data: data)
             },
             covariance: KnownCovarianceSpecification(standardDeviations: ["s": 1, "d": 1, "dept": 1]),
             factors: ["s": [1], "d": [1], "dept": [1]],
             points: [([3.3, -0.1], 1.2), ([2.5, 0.4], 0.3)]),
    ]

    static func density(_ c: Case) throws -> (KnownCovarianceDensity, ModelDesign) {
        let design = try c.design()
        var density = try KnownCovarianceDensity(design: design, covariance: c.covariance)
        for (j, name) in design.fixedEffects.names.enumerated() {
            try density.setPrior(.normal(mean: 10 * Double(j + 1), sd: 100), for: "b[\(name)]")
        }
        try density.setPrior(.halfNormal(sd: 3), for: "sigma")
        return (density, design)
    }

    @Test(arguments: cases)
    func logDensityMatchesDenseFormula(_ c: Case) throws {
        var (density, design) = try Self.density(c)
        for (beta, sigma) in c.points {
            let reference = KnownCovarianceReference.logLikelihood(
                design: design, layout: density.randomEffectsLayout, factors: c.factors, beta: beta, sigma: sigma)
                + beta.enumerated().reduce(0) { $0 + KnownCovarianceReference.normalLogDensity($1.element, mean: 10 * Double($1.offset + 1), sd: 100) }
                + KnownCovarianceReference.halfNormalLogDensity(sigma, sd: 3) + log(sigma)
            var gradient = [Double](repeating: 0, count: density.dimension)
            let value = density.logDensity(at: beta + [log(sigma)], gradient: &gradient)
            #expect(abs(value - reference) <= 1e-9 * abs(reference), "\(c.name) at β = \(beta), σ = \(sigma): \(value) vs \(reference)")
        }
    }

    @Test(arguments: cases)
    func gradientMatchesCentralDifferences(_ c: Case) throws {
        var (density, _) = try Self.density(c)
        for (beta, sigma) in c.points {
            let x = beta + [log(sigma)]
            var gradient = [Double](repeating: 0, count: x.count)
            _ = density.logDensity(at: x, gradient: &gradient)
            var scratch = gradient
            for k in 0..<x.count {
                let step = 1e-5 * max(1, abs(x[k]))
                var plus = x, minus = x
                plus[k] += step
                minus[k] -= step
                let difference = (density.logDensity(at: plus, gradient: &scratch) - density.logDensity(at: minus, gradient: &scratch)) / (2 * step)
                #expect(abs(difference - gradient[k]) <= 1e-6 * max(abs(gradient[k]), 1),
                        "\(c.name) ∂/∂x[\(k)] at β = \(beta), σ = \(sigma): \(gradient[k]) vs \(difference)")
            }
        }
    }

    @Test func wideDesignHasZeroEigenvalues() throws {
        let density = try KnownCovarianceDensity(
            design: KnownCovarianceReference.wideDesign(), covariance: KnownCovarianceSpecification(standardDeviations: ["g": 1, "h": 1]))
        // rank(ZᵀZ) ≤ n = 10 with D = 15; here rank = n: five zero eigenvalues.
        #expect(density.randomEffectCount == 15)
        #expect(density.eigenvalues.filter { $0 < 1e-10 }.count == 5)
    }

    @Test func namesAndDimension() throws {
        let density = try KnownCovarianceDensity(
            design: KnownCovarianceReference.wideDesign(), covariance: KnownCovarianceSpecification(standardDeviations: ["g": 1, "h": 1]))
        #expect(density.dimension == 3)
        #expect(density.parameterNames == ["b[(Intercept)]", "b[x]", "sigma"])
        #expect(density.randomEffectsLayout.groups.map(\.group) == ["g", "h"])
        #expect(density.randomEffectsLayout.groups.map(\.offset) == [0, 8])
        let x = density.unconstrained(beta: [1, 2], sigma: 0.5)
        #expect(x == [1, 2, log(0.5)])
        #expect(density.reportedValues(x) == [1, 2, 0.5])
    }

    @Test func sdPriorsAreNotParametersWhenSDsAreFixed() throws {
        var (density, _) = try Self.density(Self.cases[0])
        #expect(throws: PriorError.self) { try density.setPrior(.halfNormal(sd: 1), for: "sd[plate][(Intercept)]") }
        #expect(throws: PriorError.unknownParameter("sigm", suggestion: "sigma")) { try density.setPrior(.halfNormal(sd: 1), for: "sigm") }
    }

    @Test func nonFiniteSigmaGivesMinusInfinity() throws {
        var (density, _) = try Self.density(Self.cases[0])
        var gradient = [0.0, 0.0]
        #expect(density.logDensity(at: [20, 800], gradient: &gradient) == -.infinity)
        #expect(density.logDensity(at: [20, -800], gradient: &gradient) == -.infinity)
        #expect(density.logDensity(at: [.nan, 0], gradient: &gradient) == -.infinity)
    }
}

extension KnownCovarianceDensityTests {
    /// The defaults are MixedModelPriors' rule for β and σ, with no SD priors.
    @Test func defaultPriorsFollowTheMixedModelRule() throws {
        let design = try HandBuiltDesigns.penicillin()
        let density = try KnownCovarianceDensity(design: design, covariance: KnownCovarianceSpecification(standardDeviations: ["plate": 1, "sample": 1]))
        let layout = MixedModelParameterization(fixedNames: design.fixedEffects.names, blocks: [])
        let rule = MixedModelPriors.defaults(for: layout, design: design)
        #expect(density.priors == rule)
        #expect(density.namedPriors.map(\.name) == ["b[(Intercept)]", "sigma"])
    }
}

extension KnownCovarianceDensityTests {
    /// The eigen route and the all-marginalized route (blocked Cholesky,
    /// ``MarginalizedMixedModelDensity``) give the same log likelihood when the latter's SDs are
    /// set to the fixed ones. With flat priors on β and σ the known-covariance density is
    /// ℓ + log σ (the Jacobian of log σ).
    @Test(arguments: cases.filter { !$0.name.hasPrefix("D = ") })
    func logLikelihoodMatchesTheAllMarginalizedRoute(_ c: Case) throws {
        let design = try c.design()
        var eigen = try KnownCovarianceDensity(design: design, covariance: c.covariance)
        for name in eigen.parameterNames { try eigen.setPrior(.flat, for: name) }
        let model = try LinearMixedModel(design: design)
        var marginalized = MarginalizedMixedModelDensity(model: model)
        let factors = marginalized.parameterization.blocks.map { c.factors[$0.group]! }
        for (beta, sigma) in c.points {
            let x = beta + [log(sigma)]
            var gradient = [Double](repeating: 0, count: x.count)
            let mine = eigen.logDensity(at: x, gradient: &gradient) - log(sigma)
            let point = marginalized.parameterization.unconstrained(beta: beta, sigma: sigma, factors: factors)
            let value = marginalized.logLikelihood(at: point)
            let full = try #require(value)
            #expect(abs(mine - full) <= 1e-9 * abs(full), "\(c.name) at β = \(beta), σ = \(sigma): \(mine) vs \(full)")
        }
    }
}
