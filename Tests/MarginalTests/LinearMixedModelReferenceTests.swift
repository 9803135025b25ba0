import Foundation
import Testing
@testable import Marginal

/// Fits of the bundled datasets against lme4 1.1-31: objective within 1e-6 relative; fixed
/// effects, standard errors, σ and variance components within 1e-4 (the brief's tolerances).
@Suite struct LinearMixedModelReferenceTests {
    static let cases: [(reference: String, design: @Sendable () throws -> ModelDesign)] = [
        ("sleepstudy_slope_ml", { try HandBuiltDesigns.sleepstudy() }),
        ("sleepstudy_slope_reml", { try HandBuiltDesigns.sleepstudy() }),
        ("sleepstudy_zerocorr_ml", { try HandBuiltDesigns.sleepstudy(correlated: false) }),
        ("sleepstudy_zerocorr_reml", { try HandBuiltDesigns.sleepstudy(correlated: false) }),
        ("dyestuff_ml", { try HandBuiltDesigns.dyestuff("Dyestuff.csv") }),
        ("dyestuff_reml", { try HandBuiltDesigns.dyestuff("Dyestuff.csv") }),
        ("dyestuff2_ml", { try HandBuiltDesigns.dyestuff("Dyestuff2.csv") }),
        ("dyestuff2_reml", { try HandBuiltDesigns.dyestuff("Dyestuff2.csv") }),
        ("penicillin_ml", { try HandBuiltDesigns.penicillin() }),
        ("penicillin_reml", { try HandBuiltDesigns.penicillin() }),
        ("pastes_ml", { try HandBuiltDesigns.pastes() }),
        ("pastes_reml", { try HandBuiltDesigns.pastes() }),
    ]

    @Test(arguments: cases.map(\.reference))
    func matchesLme4(_ name: String) throws {
        let reference = try ReferenceFit.load(name)
        let design = try #require(Self.cases.first { $0.reference == name }).design()
        let fit = try LinearMixedModel(design: design).fit(criterion: reference.REML ? .reml : .ml)
        try expectMatches(fit, reference)
    }
}

/// Compares a fit with an lme4 reference at the brief's tolerances.
func expectMatches(_ fit: LinearMixedModelFit, _ reference: ReferenceFit, sourceLocation: SourceLocation = #_sourceLocation) throws {
    #expect(relativeError(fit.objective, reference.criterion) < 1e-6, "objective \(fit.objective) vs \(reference.criterion)", sourceLocation: sourceLocation)
    #expect(fit.isSingular == reference.singular, sourceLocation: sourceLocation)
    #expect(relativeError(fit.sigma, reference.residual_sd) < 1e-4, "sigma \(fit.sigma) vs \(reference.residual_sd)", sourceLocation: sourceLocation)
    #expect(fit.fixedEffects.map(\.name) == reference.fixef.map(\.term), sourceLocation: sourceLocation)
    for (mine, theirs) in zip(fit.fixedEffects, reference.fixef) {
        #expect(relativeError(mine.estimate, theirs.estimate, floor: 1e-6) < 1e-4, "\(mine.name) \(mine.estimate) vs \(theirs.estimate)", sourceLocation: sourceLocation)
        #expect(relativeError(mine.standardError, theirs.std_error) < 1e-4, "SE \(mine.name) \(mine.standardError) vs \(theirs.std_error)", sourceLocation: sourceLocation)
    }
    try #require(fit.varianceComponents.count == reference.varcomp.count, sourceLocation: sourceLocation)
    for (mine, theirs) in zip(fit.varianceComponents, reference.varcomp) {
        #expect(mine.group == theirs.group && mine.names == theirs.terms, sourceLocation: sourceLocation)
        for (a, b) in zip(mine.standardDeviations, theirs.sd) {
            // An SD at zero (singular fit) is compared absolutely, relative to σ.
            let error = b == 0 ? abs(a) / reference.residual_sd : relativeError(a, b)
            #expect(error < 1e-4, "SD \(mine.group) \(a) vs \(b)", sourceLocation: sourceLocation)
        }
        for i in theirs.corr.indices {
            for j in theirs.corr.indices {
                #expect(abs(mine.correlations[i, j] - theirs.corr[i][j]) < 1e-3, "corr \(mine.group)", sourceLocation: sourceLocation)
            }
        }
    }
    #expect(abs(fit.logLikelihood - reference.logLik) < 1e-6 * abs(reference.logLik), sourceLocation: sourceLocation)
    #expect(abs(fit.aic - reference.AIC) < 1e-6 * abs(reference.AIC), sourceLocation: sourceLocation)
    #expect(abs(fit.bic - reference.BIC) < 1e-6 * abs(reference.BIC), sourceLocation: sourceLocation)
    for ranef in reference.ranef_first5 {
        let mine = try #require(fit.randomEffects.first { $0.group == ranef.group }, sourceLocation: sourceLocation)
        #expect(mine.names == ranef.terms, sourceLocation: sourceLocation)
        #expect(mine.levels.count == ranef.n_levels, sourceLocation: sourceLocation)
        for (row, label) in ranef.levels.enumerated() {
            let level = try #require(mine.levels.firstIndex(of: label), sourceLocation: sourceLocation)
            for s in ranef.terms.indices {
                let scale = max(reference.residual_sd * 1e-3, abs(ranef.modes[row][s]))
                #expect(abs(mine.modes[level, s] - ranef.modes[row][s]) / scale < 1e-3, "mode \(ranef.group)[\(label)] \(mine.modes[level, s]) vs \(ranef.modes[row][s])", sourceLocation: sourceLocation)
                let sdScale = max(reference.residual_sd * 1e-3, ranef.cond_sd[row][s])
                #expect(abs(mine.conditionalSD[level, s] - ranef.cond_sd[row][s]) / sdScale < 1e-3, "condSD \(ranef.group)[\(label)] \(mine.conditionalSD[level, s]) vs \(ranef.cond_sd[row][s])", sourceLocation: sourceLocation)
            }
        }
    }
}
