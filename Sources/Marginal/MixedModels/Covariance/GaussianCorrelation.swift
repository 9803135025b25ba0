import Foundation

/// glmmTMB's `gau(pos + 0 | g)`, the squared-exponential kernel R_ij = exp(−(d_ij/r)²) over the
/// columns' coordinates, one SD, φ = log r (glmmTMB's `gau_covstruct`). R is smooth in the
/// coordinates and becomes numerically singular when r is large against the gaps; such a φ is
/// refused (a failed evaluation).
struct GaussianCorrelation: CorrelationStructure {
    let distances: CoordinateDistances

    var dimension: Int { distances.dimension }
    var keyword: String { "gau" }
    var heterogeneous: Bool { false }
    var parameterCount: Int { 1 }
    var initial: [Double] { [Foundation.log(distances.typicalGap)] }
    var parameterNames: [String] { ["log.range"] }

    func correlation(_ r: UnsafeMutablePointer<Double>, phi: UnsafeBufferPointer<Double>) {
        let range = Foundation.exp(phi[0])
        fillStationary(r, diagonal: 1) { i, j in
            let scaled = distances(i, j) / range
            return Foundation.exp(-scaled * scaled)
        }
    }

    /// ∂R/∂φ = 2(d/r)² R.
    func derivative(_ derivative: UnsafeMutablePointer<Double>, parameter m: Int, phi: UnsafeBufferPointer<Double>) {
        let range = Foundation.exp(phi[0])
        fillStationary(derivative, diagonal: 0) { i, j in
            let squared = (distances(i, j) / range) * (distances(i, j) / range)
            return 2 * squared * Foundation.exp(-squared)
        }
    }

    func reported(phi: [Double]) -> [StructureParameter] { [StructureParameter(name: "range", value: Foundation.exp(phi[0]))] }
}
