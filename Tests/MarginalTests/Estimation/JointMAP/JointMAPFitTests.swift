import Foundation
import Testing
@testable import Marginal

/// Joint MAP end to end: collapse where the ML estimate is interior, an interior local maximum,
/// L-BFGS and Adam at convergence, held parameters.
@Suite struct JointMAPFitTests {
    static func dyestuff() throws -> LinearMixedModel {
        try AlternativeDensitySupport.model("Dyestuff.csv", dataset: "Dyestuff", formula: "Yield ~ 1 + (1 | Batch)")
    }

    /// Dyestuff: the ML estimate of the batch SD is 37.26 (lme4), well inside, yet joint MAP drives it
    /// to 0 with the objective rising all the way, in both forms; the warning says so.
    @Test(arguments: [JointMAPParameterization.centered, .nonCentered])
    func collapseIsDetectedWhereMLIsInterior(form: JointMAPParameterization) throws {
        let model = try Self.dyestuff()
        let ml = try model.fit(criterion: .ml)
        let tauML = ml.varianceComponents[0].standardDeviations[0]
        #expect(abs(tauML - 37.26) < 0.01)
        let fit = try model.fitJointMAP(JointMAPOptions(parameterization: form))
        let tau = fit.estimates.varianceComponents[0].standardDeviations[0]
        #expect(tau < 1e-3 * tauML)
        #expect(fit.objective > fit.startObjective + 10)
        let finding = try #require(fit.collapses.first)
        #expect(fit.collapses.count == 1)
        #expect(finding.parameter == "sd[Batch][(Intercept)]")
        #expect(abs(finding.start - tauML) < 1e-6 * tauML)
        // Each halving gains about ℓ log 2 = 6 log 2 (the effects' prior); the likelihood barely moves.
        let steps = zip(finding.path, finding.path.dropFirst()).map { $1 - $0 }
        #expect(steps.allSatisfy { abs($0 - 6 * log(2)) < 0.5 })
        #expect(fit.warnings.contains { $0.hasPrefix("joint MAP has no maximum here: sd[Batch][(Intercept)]") })
        // With log |J| included, L-BFGS stops at an interior local maximum here (SD 34.99), but F has no
        // maximum either way: 40 more halvings of the SD (z held) gain about (ℓ − 1)·40 log 2 ≈ 139.
        let withJacobian = try model.fitJointMAP(JointMAPOptions(parameterization: form, includeJacobian: true))
        #expect(withJacobian.collapses.isEmpty && withJacobian.converged)
        #expect(abs(withJacobian.estimates.varianceComponents[0].standardDeviations[0] - 34.99) < 0.01)
        let layout = MixedModelParameterization(model: model)
        var objective = try JointMAPObjective(model: model, parameterization: form, includeJacobian: true, layout: layout)
        let far = objective.moved(withJacobian.coordinates, coordinate: layout.sigmaCoordinate + 1, by: -40 * log(2))
        #expect(objective.value(at: far) > withJacobian.objective + 100)
    }

    /// Penicillin: an interior local maximum. No collapse; the three forms reach the same point;
    /// at the end the likelihood and prior gradients cancel block by block.
    @Test func interiorLocalMaximumIsTheSameInEveryForm() throws {
        let model = try AlternativeDensitySupport.penicillin()
        let fits = try JointMAPParameterization.allCases.map { try model.fitJointMAP(JointMAPOptions(parameterization: $0)) }
        for fit in fits {
            #expect(fit.collapses.isEmpty)
            #expect(fit.converged)
            #expect(abs(fit.objective - fits[0].objective) < 1e-8 * abs(fits[0].objective))
            #expect(abs((fit.estimates.sigma ?? .nan) / (fits[0].estimates.sigma ?? .nan) - 1) < 1e-5)
            for (a, b) in zip(fit.estimates.varianceComponents, fits[0].estimates.varianceComponents) {
                #expect(abs(a.standardDeviations[0] / b.standardDeviations[0] - 1) < 1e-5)
            }
            for block in fit.gradientFlow.blocks {
                #expect(block.end.total <= 1e-3 * max(1, block.end.likelihood), "\(block.name)")
            }
            #expect(fit.warnings.contains { $0.contains("at best a local maximum") })
        }
        // The centered forms give the covariances no likelihood gradient; the non-centered one does.
        for block in fits[0].gradientFlow.blocks where block.name.hasPrefix("covariance") {
            #expect(block.start.likelihood == 0 && block.end.likelihood == 0)
        }
        for block in fits[1].gradientFlow.blocks where block.name.hasPrefix("covariance") {
            #expect(block.end.likelihood > 1)
        }
    }

    /// With τ held the objective is concave and well conditioned: Adam run to convergence and
    /// L-BFGS reach the same maximum, in both forms.
    @Test func lbfgsAndAdamAgreeAtConvergence() throws {
        let example = PriorMeanExample(groups: 40, perGroup: 3, covariates: 3, nutsChains: 0)
        let model = try LinearMixedModel(formula: example.formula, data: example.simulate().data)
        for form in [JointMAPParameterization.hierarchical, .nonCentered] {
            let held = ["sd[g][(Intercept)]": 1.0]
            let lbfgs = try model.fitJointMAP(JointMAPOptions(parameterization: form, fixed: held))
            let adam = try model.fitJointMAP(JointMAPOptions(
                parameterization: form,
                optimizer: .adam(learningRate: 0.01, stopping: .convergence(gradientTolerance: 1e-7, relativeTolerance: 1e-15, window: 200, maximumIterations: 30_000)),
                fixed: held))
            #expect(lbfgs.converged && adam.converged)
            #expect(abs(adam.objective - lbfgs.objective) < 1e-9 * abs(lbfgs.objective))
            for (a, b) in zip(adam.estimates.beta, lbfgs.estimates.beta) { #expect(abs(a - b) < 1e-5) }
            #expect(abs((adam.estimates.sigma ?? .nan) - (lbfgs.estimates.sigma ?? .nan)) < 1e-5)
            #expect(adam.estimates.varianceComponents[0].standardDeviations[0] == 1)
        }
    }

    @Test func heldParametersAreChecked() throws {
        let model = try Self.dyestuff()
        #expect(throws: EstimationError.unknownParameter("sd[Batch][Intercept]", suggestion: "sd[Batch][(Intercept)]")) {
            try model.fitJointMAP(JointMAPOptions(fixed: ["sd[Batch][Intercept]": 1]))
        }
        #expect(throws: EstimationError.self) { try model.fitJointMAP(JointMAPOptions(fixed: ["sigma": -1])) }
        let sleepstudy = try AlternativeDensitySupport.sleepstudy()
        #expect(throws: EstimationError.cannotHold("cor[Subject][(Intercept),Days]")) {
            try sleepstudy.fitJointMAP(JointMAPOptions(fixed: ["cor[Subject][(Intercept),Days]": 0.5]))
        }
        #expect(throws: EstimationError.self) { try model.fitJointMAP(JointMAPOptions(priors: ["sigma=normal(0, 1)"])) }
        let held = try model.fitJointMAP(JointMAPOptions(fixed: ["sigma": 50, "b[(Intercept)]": 1500]))
        #expect(abs((held.estimates.sigma ?? .nan) - 50) < 1e-12 && held.estimates.beta == [1500])
    }
}
