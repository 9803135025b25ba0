/// One cell's term of ALADYN's data likelihood as a function of its hazard π = κ m and its first
/// three derivatives: c = −log(1 − π) at an age at risk without a diagnosis, c = −log π at the
/// diagnosis age (kept as the probability 1 − π or π, whose logarithms the caller takes 16 at a
/// time with ``VectorKernels/logProduct(_:count:stride:)``), so
///
///     at risk:    c′ = 1/(1 − π),  c″ = c′²,  c‴ = 2c′³;
///     diagnosis:  c′ = −1/π,       c″ = c′²,  c‴ = 2c′³.
///
/// Where the published clamp of π to [10⁻⁶, 1 − 10⁻⁶] is active the term is constant and every
/// derivative is 0 (as PyTorch's clamp differentiates).
struct AladynCellDerivatives {
    /// e^{−c}: 1 − π, or π at the diagnosis.
    var probability: Double
    var first: Double
    var second: Double
    var third: Double

    @inline(__always)
    init(hazard raw: Double, diagnosis: Bool) {
        guard raw >= AladynLikelihood.lowerClamp, raw <= AladynLikelihood.upperClamp else {
            let p = min(max(raw, AladynLikelihood.lowerClamp), AladynLikelihood.upperClamp)
            probability = diagnosis ? p : 1 - p
            first = 0
            second = 0
            third = 0
            return
        }
        let e = diagnosis ? -1 / raw : 1 / (1 - raw)
        probability = diagnosis ? raw : 1 - raw
        first = e
        second = e * e
        third = 2 * e * e * e
    }
}
