import Foundation

/// The exponential kernel R_ij = exp(−d_ij/r) over the columns' coordinates, one SD, in either
/// of glmmTMB's two spellings (its C++ `exp_covstruct` and `ou_covstruct`):
///
/// - `exp(pos + 0 | g)`: φ = log r, reported as the range r;
/// - `ou(time + 0 | g)`, the Ornstein–Uhlenbeck process over one-dimensional times (the
///   continuous-time AR(1), Corr = exp(−κ|t − t′|) for any gaps): φ = log κ, reported as the
///   rate κ = 1/r.
struct ExponentialCorrelation: CorrelationStructure {
    let distances: CoordinateDistances
    /// True for `ou` (φ = log κ), false for `exp` (φ = log r).
    let byRate: Bool

    var dimension: Int { distances.dimension }
    var keyword: String { byRate ? "ou" : "exp" }
    var heterogeneous: Bool { false }
    var parameterCount: Int { 1 }
    var initial: [Double] { [Foundation.log(distances.typicalGap) * (byRate ? -1 : 1)] }
    var parameterNames: [String] { [byRate ? "log.rate" : "log.range"] }

    /// 1/r.
    private func rate(_ phi: Double) -> Double { Foundation.exp(byRate ? phi : -phi) }

    func correlation(_ r: UnsafeMutablePointer<Double>, phi: UnsafeBufferPointer<Double>) {
        let kappa = rate(phi[0])
        fillStationary(r, diagonal: 1) { i, j in Foundation.exp(-kappa * distances(i, j)) }
    }

    /// ∂R/∂φ = ∓κ d R (− for the rate, + for the range).
    func derivative(_ derivative: UnsafeMutablePointer<Double>, parameter m: Int, phi: UnsafeBufferPointer<Double>) {
        let kappa = rate(phi[0]), sign = byRate ? -1.0 : 1.0
        fillStationary(derivative, diagonal: 0) { i, j in
            let scaled = kappa * distances(i, j)
            return sign * scaled * Foundation.exp(-scaled)
        }
    }

    func reported(phi: [Double]) -> [StructureParameter] {
        [StructureParameter(name: byRate ? "rate" : "range", value: Foundation.exp(phi[0]))]
    }
}
