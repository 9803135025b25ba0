/// How a density with sampled random effects presents them to the sampler.
///
/// - `centered`: the coordinates are the effects b themselves, with prior b_kj ~ N(0, Σ_k).
/// - `nonCentered`: the coordinates are standardized effects z ~ N(0, I) and b_kj = T_k z_kj,
///   Σ_k = T_k T_kᵀ, which decouples the effects from their scales in the prior (the usual
///   cure for Neal's funnel when groups carry little data).
/// - `partial`: for one-column blocks (random intercepts), each level's effect standardized by
///   an approximation of its conditional posterior given the global parameters,
///   b_l = m_l + s_l ε_l (``PartialCentering``): non-centered for levels with little data,
///   centered for levels with much, in between by each level's information. Blocks with several
///   columns are non-centered.
///
/// All three target the same posterior (each is an exact change of variables with its
/// Jacobian); they differ in the geometry the sampler sees. The raw values are the spellings of
/// the command line: `centered`, `noncentered`, `partial`.
public enum RandomEffectParameterization: String, Sendable, CaseIterable {
    case centered
    case nonCentered = "noncentered"
    case partial
}
