/// What the random effects that a density integrates out absorb of a response, at a pilot of
/// their relative covariance: with V̂ = I + Z_M Λ̂ Λ̂ᵀ Z_Mᵀ (σ̂ = 1) over the integrated-out blocks
/// M and P = V̂⁻¹,
///
///     (I − P) u = Z_M Λ̂ (Λ̂ᵀ Z_Mᵀ Z_M Λ̂ + I)⁻¹ Λ̂ᵀ Z_Mᵀ u,
///
/// the fitted values of u's penalized least-squares fit on Z_M (Woodbury). ``PartialCentering``
/// uses it to standardize the sampled effects by their conditional distribution with M
/// integrated out: g̃_l = z_lᵀ P z_l, õ_l = z_lᵀ P y, c̃_l = Xᵀ P z_l. Two forms:
/// ``ClassProjection`` (one class, level by level) and ``FactorProjection`` (several classes,
/// through their blocked factor).
protocol PilotProjection {
    /// (I − P) u for a vector `u` over the `n` rows, into `out`.
    func absorbed(_ u: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, count n: Int)
    /// z_lᵀ (I − P) z_l for every level l of the one-column block `sampled`: the information
    /// about b_l that the integrated-out effects take.
    func absorbedInformation(sampled: MixedModelRows.Block, count n: Int) -> [Double]
}
