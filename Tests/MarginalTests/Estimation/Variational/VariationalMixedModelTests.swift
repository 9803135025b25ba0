import Foundation
import Testing
@testable import Marginal

/// Mean-field VI on sleepstudy's two densities: with the random effects integrated out q's SDs of β
/// are close to the ML standard errors; with them in q (joint non-centered) mean-field cuts their
/// correlation with β and understates β's SDs several-fold.
@Suite struct VariationalMixedModelTests {
    @Test func meanFieldOnTheJointDensityUnderstatesTheFixedEffectsSDs() throws {
        let model = try AlternativeDensitySupport.sleepstudy()
        let ml = try model.fit(criterion: .ml)
        let marginalized = try model.fitMeanFieldVI(target: .marginalized)
        let joint = try model.fitMeanFieldVI(target: .jointNonCentered)
        #expect(marginalized.advi.converged && joint.advi.converged)
        let mlErrors = ml.fixedEffects.map(\.standardError)  // 6.63 and 1.50
        let marginalErrors = try #require(marginalized.estimates.betaStandardErrors)
        let jointErrors = try #require(joint.estimates.betaStandardErrors)
        for j in 0..<2 {
            // The posterior SD of β exceeds the ML SE a little (uncertainty in θ, REML-like spread).
            #expect(marginalErrors[j] > 0.95 * mlErrors[j] && marginalErrors[j] < 1.35 * mlErrors[j])
            #expect(jointErrors[j] < 0.5 * marginalErrors[j])
            #expect(abs(marginalized.estimates.beta[j] - ml.fixedEffects[j].estimate) < mlErrors[j])
        }
        #expect(marginalized.parameterNames == MixedModelParameterization(model: model).parameterNames)
        #expect(joint.parameterNames.count == 6 + 36)
        // An ELBO is a lower bound on log p(y) + the prior's normalizing constant: finite and negative here.
        #expect(marginalized.advi.elbo < 0 && marginalized.advi.elbo > -1000)
        // q's 95 % central intervals: one per reported parameter, around its mean; on β about
        // ± 1.96 q-SDs (q is Gaussian in β), within the Monte Carlo error of 1,000 draws.
        #expect(marginalized.intervals.map(\.name) == marginalized.estimates.namedValues.map(\.name))
        for interval in marginalized.intervals { #expect(interval.lower < interval.estimate && interval.estimate < interval.upper, "\(interval)") }
        for j in 0..<2 {
            let width = marginalized.intervals[j].upper - marginalized.intervals[j].lower
            #expect(abs(width / (2 * 1.959964 * marginalErrors[j]) - 1) < 0.1)
        }
    }

    @Test func variationalEMIsEM() throws {
        let model = try AlternativeDensitySupport.sleepstudy()
        let em = try model.fitEM()
        let variational = try model.fitVariationalEM()
        #expect(em.objective == variational.objective && em.iterations == variational.iterations)
    }

    @Test func singularFitStartsFinite() throws {
        // Dyestuff2's ML SD is 0: q starts at the floor 10⁻³ σ̂ with SD at most 1 and runs.
        let model = try AlternativeDensitySupport.model("Dyestuff2.csv", dataset: "Dyestuff2", formula: "Yield ~ 1 + (1 | Batch)")
        let fit = try model.fitMeanFieldVI(target: .marginalized, options: ADVIOptions(maximumIterations: 2000))
        #expect(fit.advi.elbo.isFinite && (fit.estimates.sigma ?? .nan) > 3 && (fit.estimates.sigma ?? .nan) < 5)
    }
}
