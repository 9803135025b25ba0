/// How a density with sampled random effects presents them to the sampler.
///
/// - `centered`: the coordinates are the effects b themselves, with prior b_kj ~ N(0, Σ_k).
/// - `nonCentered`: the coordinates are standardized effects z ~ N(0, I) and b_kj = T_k z_kj,
///   Σ_k = T_k T_kᵀ, which decouples the effects from their scales in the prior (the usual
///   cure for Neal's funnel when groups carry little data).
///
/// The raw values are the spellings of the command line: `centered`, `noncentered`.
public enum RandomEffectParameterization: String, Sendable, CaseIterable {
    case centered
    case nonCentered = "noncentered"
}
