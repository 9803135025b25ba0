import Foundation

extension GeneralizedLinearMixedModel {
    /// Where the joint stage on the exact gradient starts θ: the minimizer of penalized
    /// quasi-likelihood's working linear model (Breslow & Clayton 1993; Schall 1991) with its
    /// residual scale held at 1, the family's own,
    ///
    ///   d(θ) = log det(ΛᵀZᵀWZΛ + I) + min_{β,u} ‖W^½(z − Xβ − ZΛu)‖² + ‖u‖²,
    ///
    /// at PIRLS's working weights W and working response z. The core PIRLS leaves reweighted holds
    /// exactly that model, so each evaluation is one factorization and no pass over the rows.
    /// One round (PQL iterates, refitting at the new θ's weights; a second round moved θ by 10⁻³
    /// on a 200,000-row binary design, which the joint stage does at less cost); PIRLS runs once
    /// more at the θ returned, leaving `core` and `state` there. The search stops at a relative
    /// change of 10⁻⁶: it only places the start, and the joint stage converges from it in the same
    /// number of steps (a 50,000-row binary AR(1) design: 22 evaluations of the working model).
    ///
    /// From lme4's start λ = I the Laplace deviance is often concave in θ (on a Poisson design
    /// with 100,000 rows and a random slope its Hessian at the start has negative diagonals), and
    /// L-BFGS from there spent 14 of its 25 evaluations stepping to θ's bound and back; from this
    /// start, near the optimum for counts and biased towards zero only as far as PQL is on binary
    /// data, it converges in a few. The first stage of `glmer` (BOBYQA over θ with β from PIRLS)
    /// serves the same purpose at a full PIRLS per evaluation.
    func workingModelStart(_ core: inout PenalizedLeastSquares, theta start: [Double], state: inout PIRLSState) throws(MixedModelError) -> [Double] {
        try pirls(&core, theta: start, state: &state, holdingBeta: false)
        var working = core
        var search = BoundedMinimizer(lowerBounds: thetaLayout.lowerBounds, initialSteps: thetaLayout.initialSteps)
        search.relativeObjectiveTolerance = 1e-6
        let result = search.minimize(start: start) { candidate in
            guard working.update(theta: candidate) else { return LinearMixedModel.failedFactorizationObjective }
            return working.logDeterminantRandom + working.penalizedResidualSumOfSquares
        }
        let theta = result.minimum < LinearMixedModel.failedFactorizationObjective ? result.minimizer : start
        try pirls(&core, theta: theta, state: &state, holdingBeta: false)
        return theta
    }
}
