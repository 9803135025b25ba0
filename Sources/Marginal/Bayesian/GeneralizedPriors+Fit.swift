import Foundation

extension GeneralizedPriors {
    /// The global coordinates (γ, log SDs, correlation coordinates, structures' φ) of a Laplace or
    /// quadrature fit of `model`: γ = B⁻¹β̂, and the SDs and correlations of its factors T = Λ(θ̂) (σ = 1),
    /// each SD at least 10⁻³ (a unit on the link's scale; the linear model's joint MAP floors at
    /// 10⁻³ σ̂ alike) so that a singular fit gives a finite start, and a correlation coordinate
    /// that is not finite (±1) set to 0.
    func coordinates(of fit: GeneralizedLinearMixedModelFit, model: GeneralizedLinearMixedModel) -> [Double] {
        let beta = fit.fixedEffects.map(\.estimate)
        var full = layout.unconstrained(
            beta: beta, sigma: 1, factors: model.thetaLayout.lambdas(fit.theta).map(\.elements),
            structured: model.thetaLayout.structuredParameters(fit.theta))
        for block in layout.blocks {
            for part in block.parts {
                for a in 0..<part.sdCoordinateCount { full[part.sdCoordinate + a] = max(full[part.sdCoordinate + a], log(1e-3)) }
            }
        }
        for i in full.indices where !full[i].isFinite { full[i] = 0 }
        full.remove(at: p)
        let gamma = fixedCoordinates(beta)
        for j in 0..<p { full[j] = gamma[j] }
        return full
    }
}
