import Foundation
import Testing
@testable import Marginal

/// Penalized quasi-likelihood against R's `MASS::glmmPQL` (MASS 7.3, nlme 3.1) on lme4's cbpp,
/// `cbind(incidence, size - incidence) ~ period, random = ~ 1 | herd, family = binomial`:
/// β, their standard errors, the herd SD and the working residual SD. nlme's `lme` stops its
/// ML optimization at its own tolerances, so the bound is 1e-4 relative.
@Suite struct PenalizedQuasiLikelihoodTests {
    @Test func matchesGlmmPQL() throws {
        let model = try GeneralizedReferenceTests.cbppModel()
        let fit = try model.fitPQL()
        #expect(fit.converged)
        let beta = [-1.32736388462, -1.01612642891, -1.14998423467, -1.60521703141]
        let errors = [0.230324896669, 0.355006694471, 0.379381608133, 0.499001963453]
        for (effect, (b, se)) in zip(fit.fixedEffects, zip(beta, errors)) {
            #expect(relativeError(effect.estimate, b) < 1e-4, "β \(effect.estimate) vs \(b)")
            #expect(relativeError(effect.standardError, se) < 1e-4, "SE \(effect.standardError) vs \(se)")
        }
        #expect(relativeError(try #require(fit.varianceComponents.first?.standardDeviations.first), 0.556353481524) < 1e-4)
        #expect(relativeError(fit.residualScale, 1.184527490443) < 1e-4)
        // PQL's herd SD is below the Laplace estimate (0.642), the bias the method is known for.
        #expect(try #require(fit.varianceComponents.first?.standardDeviations.first) < 0.6)
    }
}
