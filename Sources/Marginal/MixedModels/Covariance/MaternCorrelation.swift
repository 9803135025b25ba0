import Foundation

/// glmmTMB's `mat(pos + 0 | g)`, the Matérn correlation over the columns' coordinates with its
/// smoothness estimated, as glmmTMB estimates it: with z = d/φ,
///
///     R_ij = z^κ K_κ(z) / (Γ(κ) 2^(κ−1)),
///
/// K_κ the modified Bessel function of the second kind (``ModifiedBessel``), φ the range and
/// κ the smoothness; φ = (log φ, log κ), one SD (glmmTMB's `mat_covstruct` with TMB's `matern`).
/// κ = ½ is the exponential kernel exp(−z); κ → ∞ approaches a squared exponential.
///
/// ∂R/∂log φ = z^(κ+1) K_{κ−1}(z) / (Γ(κ) 2^(κ−1)), from d/dz[z^κ K_κ(z)] = −z^κ K_{κ−1}(z);
/// ∂R/∂log κ has no closed form (the order derivative of K) and is taken by central differences
/// with step 10⁻⁵ in log κ, accurate to about 10⁻⁹.
struct MaternCorrelation: CorrelationStructure {
    let distances: CoordinateDistances

    var dimension: Int { distances.dimension }
    var keyword: String { "mat" }
    var heterogeneous: Bool { false }
    var parameterCount: Int { 2 }
    /// Range at the typical gap, κ = 1 (glmmTMB's start for κ).
    var initial: [Double] { [Foundation.log(distances.typicalGap), 0] }
    var parameterNames: [String] { ["log.range", "log.smoothness"] }

    /// z^κ K_κ(z) / (Γ(κ) 2^(κ−1)).
    static func correlation(distance: Double, range: Double, smoothness kappa: Double) -> Double {
        scaledBessel(distance / range, power: kappa, order: kappa, smoothness: kappa)
    }

    /// z^power K_order(z) / (Γ(κ) 2^(κ−1)), in logarithms so that no factor overflows; 0 where K
    /// underflows, NaN where it is not computed (a range or smoothness out of reach, which makes
    /// R fail its Cholesky factorization: the optimizer steps back).
    private static func scaledBessel(_ z: Double, power: Double, order: Double, smoothness kappa: Double) -> Double {
        let k = ModifiedBessel.secondKind(order: order, z).value
        guard !k.isNaN else { return .nan }
        guard k > 0 else { return 0 }
        let normalizer = Foundation.lgamma(kappa) + (kappa - 1) * Foundation.log(2.0)
        return Foundation.exp(power * Foundation.log(z) + Foundation.log(k) - normalizer)
    }

    func correlation(_ r: UnsafeMutablePointer<Double>, phi: UnsafeBufferPointer<Double>) {
        let range = Foundation.exp(phi[0]), kappa = Foundation.exp(phi[1])
        fillStationary(r, diagonal: 1) { i, j in Self.correlation(distance: distances(i, j), range: range, smoothness: kappa) }
    }

    func derivative(_ derivative: UnsafeMutablePointer<Double>, parameter m: Int, phi: UnsafeBufferPointer<Double>) {
        let range = Foundation.exp(phi[0]), kappa = Foundation.exp(phi[1])
        if m == 0 {
            // K_{κ−1} = K_{|κ−1|}: K is even in its order.
            fillStationary(derivative, diagonal: 0) { i, j in
                Self.scaledBessel(distances(i, j) / range, power: kappa + 1, order: abs(kappa - 1), smoothness: kappa)
            }
        } else {
            let h = 1e-5
            let up = Foundation.exp(phi[1] + h), down = Foundation.exp(phi[1] - h)
            fillStationary(derivative, diagonal: 0) { i, j in
                let d = distances(i, j)
                return (Self.correlation(distance: d, range: range, smoothness: up) - Self.correlation(distance: d, range: range, smoothness: down)) / (2 * h)
            }
        }
    }

    func reported(phi: [Double]) -> [StructureParameter] {
        [StructureParameter(name: "range", value: Foundation.exp(phi[0])), StructureParameter(name: "smoothness", value: Foundation.exp(phi[1]))]
    }
}
