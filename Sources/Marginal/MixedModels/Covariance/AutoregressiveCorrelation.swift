import Foundation

/// glmmTMB's `ar1(f + 0 | g)`: one effect per level of f (equally spaced times, in the order of
/// the levels), R_ij = ρ^|i−j|, one SD. φ = t with ρ = t/√(1 + t²), glmmTMB's transform, so
/// |ρ| < 1 for every t (glmmTMB's covariance-structure vignette; its C++ `ar1_covstruct`).
struct AutoregressiveCorrelation: CorrelationStructure {
    let dimension: Int
    var keyword: String { "ar1" }
    var heterogeneous: Bool { false }
    var parameterCount: Int { 1 }
    var initial: [Double] { [0] }
    var parameterNames: [String] { ["rho.transformed"] }

    static func rho(_ t: Double) -> Double { t / (1 + t * t).squareRoot() }
    /// dρ/dt = (1 + t²)^(−3/2).
    static func rhoDerivative(_ t: Double) -> Double { 1 / Foundation.pow(1 + t * t, 1.5) }

    func correlation(_ r: UnsafeMutablePointer<Double>, phi: UnsafeBufferPointer<Double>) {
        let rho = Self.rho(phi[0])
        fillStationary(r, diagonal: 1) { i, j in Foundation.pow(rho, Double(i - j)) }
    }

    func derivative(_ derivative: UnsafeMutablePointer<Double>, parameter m: Int, phi: UnsafeBufferPointer<Double>) {
        let rho = Self.rho(phi[0]), slope = Self.rhoDerivative(phi[0])
        fillStationary(derivative, diagonal: 0) { i, j in Double(i - j) * Foundation.pow(rho, Double(i - j - 1)) * slope }
    }

    func reported(phi: [Double]) -> [StructureParameter] { [StructureParameter(name: "rho", value: Self.rho(phi[0]))] }
}
