import Foundation
import Testing
@testable import Marginal

/// The claims of `marginal example prior-mean`, on a smaller simulation than the default (no NUTS).
@Suite struct PriorMeanExampleTests {
    static let example = PriorMeanExample(groups: 120, perGroup: 4, covariates: 8, seed: 4, adamBudget: 150, nutsChains: 0)
    static let result = Result { try example.run() }

    static func fit(_ method: String) throws -> PriorMeanExample.Result.Fit {
        try #require(try result.get().fits.first { $0.method == method }, "no fit \(method)")
    }

    static func fixedEffects(_ fit: PriorMeanExample.Result.Fit) throws -> GradientFlow.Block {
        try #require(fit.gradientFlow?.blocks.first { $0.name == "fixed effects" })
    }

    @Test func simulatedCovariatesAreGroupLevel() throws {
        let (data, gamma) = try Self.example.simulate()
        #expect(gamma.count == 8 && data.rowCount == 480)
        let model = try LinearMixedModel(formula: Self.example.formula, data: data)
        // Every fixed-effect column (intercept and the eight w's) is absorbed by the random intercept.
        #expect(HierarchicalCentering(model: model).absorptions.map(\.fixedColumn) == Array(0...8))
    }

    /// In the centered form the likelihood's gradient with respect to (μ, γ) is exactly zero, at the
    /// start and at the end, whatever the optimizer; in the non-centered form it is not.
    @Test func centeredGammaGetsNoLikelihoodGradient() throws {
        for optimizer in ["Adam (budget 150)", "L-BFGS"] {
            let centered = try Self.fixedEffects(Self.fit("joint MAP centered, \(optimizer)"))
            #expect(centered.start.likelihood == 0 && centered.end.likelihood == 0)
            #expect(centered.end.prior > 0)
            let nonCentered = try Self.fixedEffects(Self.fit("joint MAP non-centered, \(optimizer)"))
            #expect(nonCentered.start.likelihood > 1)
        }
    }

    /// L-BFGS to convergence: both forms reach one stationary point (τ held at 1).
    @Test func bothFormsConvergeToTheSameStationaryPoint() throws {
        let centered = try Self.fit("joint MAP centered, L-BFGS")
        let nonCentered = try Self.fit("joint MAP non-centered, L-BFGS")
        #expect(centered.converged == true && nonCentered.converged == true)
        let objective = try #require(centered.objective), other = try #require(nonCentered.objective)
        #expect(abs(objective - other) < 1e-9 * abs(objective))
        for (a, b) in zip(centered.gamma, nonCentered.gamma) { #expect(abs(a - b) < 1e-5) }
        #expect(abs(centered.intercept - nonCentered.intercept) < 1e-5)
        #expect(abs(centered.sigma - nonCentered.sigma) < 1e-6)
        #expect(centered.tau == 1 && nonCentered.tau == 1)
        // Stationary: the gradient terms cancel in every free block.
        for block in try #require(centered.gradientFlow).blocks where !block.held {
            #expect(block.end.total < 1e-3, "\(block.name)")
        }
    }

    /// A fixed Adam budget: the two forms stop at different points, the centered one short of the
    /// stationary point (γ attenuated toward its start at 0).
    @Test func aFixedAdamBudgetSeparatesTheForms() throws {
        let centered = try Self.fit("joint MAP centered, Adam (budget 150)")
        let nonCentered = try Self.fit("joint MAP non-centered, Adam (budget 150)")
        let converged = try Self.fit("joint MAP non-centered, L-BFGS")
        let gap = zip(centered.gamma, nonCentered.gamma).map { abs($0 - $1) }.max() ?? 0
        #expect(gap > 0.05)
        #expect(centered.slope < nonCentered.slope - 0.05)
        #expect(abs(nonCentered.slope - converged.slope) < abs(centered.slope - converged.slope))
    }

    /// ML and REML: the slope of γ̂ on γ is 1 within three standard errors (no attenuation beyond
    /// sampling error), and each γ̂_k is within four standard errors of γ_k.
    @Test func maximumLikelihoodRecoversGammaWithoutAttenuation() throws {
        let truth = try Self.result.get().truth.gamma
        for method in ["ML", "REML"] {
            let fit = try Self.fit(method)
            let se = try #require(fit.slopeStandardError)
            #expect(se > 0 && se < 0.2)
            #expect(abs(fit.slope - 1) < 3 * se, "\(method): slope \(fit.slope) ± \(se)")
            #expect(zip(fit.gamma, truth).allSatisfy { abs($0 - $1) < 0.6 })
        }
    }

    @Test func slopeFormula() {
        // γ̂ = 2γ + 1 exactly: slope 2; SEs all 0.1 over Σ(γ − γ̄)² = 2 → SE = 0.1 √2 / 2.
        let (slope, se) = PriorMeanExample.slope(of: [1, 3, 5], on: [0, 1, 2], standardErrors: [0.1, 0.1, 0.1])
        #expect(abs(slope - 2) < 1e-15)
        #expect(abs((se ?? 0) - 0.1 * 2.0.squareRoot() / 2) < 1e-15)
    }

    @Test func invalidSettingsAreTypedErrors() {
        #expect(throws: EstimationError.self) { try PriorMeanExample(groups: 2).run() }
        #expect(throws: EstimationError.self) { try PriorMeanExample(tau: 0).run() }
        #expect(throws: EstimationError.self) { try PriorMeanExample(covariates: 1).run() }
    }
}
