/// One cell's term of ALADYN's data likelihood as a function of its hazard π = κ m and its first
/// three derivatives: c = −log(1 − π) at an age at risk without a diagnosis, c = −log π at the
/// diagnosis age (kept as the probability 1 − π or π, whose logarithms the caller takes 16 at a
/// time with ``VectorKernels/logProduct(_:count:stride:)``), so
///
///     at risk:    c′ = 1/(1 − π),  c″ = c′²,  c‴ = 2c′³;
///     diagnosis:  c′ = −1/π,       c″ = c′²,  c‴ = 2c′³.
///
/// The published code clamps π to [10⁻⁶, 1 − 10⁻⁶]. Where a clamp binds the term is flat and its
/// derivative jumps (from −10⁶ to 0 at a diagnosis with a hazard of 10⁻⁶), a kink that Newton's
/// method bounces on and that the Laplace approximation cannot use. Here instead:
///
/// - below 10⁻⁶ the model's own term, smooth for every π > 0 (and π = κ Σθσ(φ) > 0 always);
/// - above π₀ = 1 − 10⁻⁶ (a hazard the model cannot mean, which an optimizer's trial point can
///   reach) its second-order Taylor continuation from π₀, c(π₀) + c′(π₀)(π − π₀) + ½c″(π₀)(π − π₀)²,
///   twice differentiable and finite, so a far trial point is a large value to back off from
///   rather than a hole in the domain (c‴ = 0 there);
///
/// and between them the published term exactly.
struct AladynCellDerivatives {
    /// e^{−c} at min(π, π₀): 1 − π, or π at the diagnosis.
    var probability: Double
    /// What the continuation above π₀ adds to −log(probability); 0 below π₀.
    var excess: Double
    var first: Double
    var second: Double
    var third: Double

    static let continuationPoint = AladynLikelihood.upperClamp

    @inline(__always)
    init(hazard raw: Double, diagnosis: Bool) {
        let p = min(raw, Self.continuationPoint)
        let e = diagnosis ? -1 / p : 1 / (1 - p)
        probability = diagnosis ? p : 1 - p
        if raw > p {
            let step = raw - p
            excess = e * step + 0.5 * e * e * step * step
            first = e + e * e * step
            second = e * e
            third = 0
        } else {
            excess = 0
            first = e
            second = e * e
            third = 2 * e * e * e
        }
    }
}
