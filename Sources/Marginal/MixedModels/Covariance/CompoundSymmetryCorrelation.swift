import Foundation

/// glmmTMB's `cs(x | g)`, heterogeneous compound symmetry: one SD per column and a common
/// correlation, R = (1 − ρ)I + ρ11ᵀ. φ = t with ρ = logistic(t)(1 + a) − a, a = 1/(S − 1), which
/// spans exactly the positive-definite range −1/(S − 1) < ρ < 1 (glmmTMB's `cs_covstruct`).
/// With equal SDs it is lme4's nested `(1 | g) + (1 | g:f)` for `cs(0 + f | g)`, where ρ ≥ 0.
struct CompoundSymmetryCorrelation: CorrelationStructure {
    let dimension: Int
    var keyword: String { "cs" }
    var heterogeneous: Bool { true }
    var parameterCount: Int { 1 }
    /// ρ = 0: logistic(t) = a/(1 + a).
    var initial: [Double] { [Foundation.log(a)] }
    var parameterNames: [String] { ["rho.transformed"] }

    private var a: Double { 1 / Double(dimension - 1) }
    private func logistic(_ t: Double) -> Double { 1 / (1 + Foundation.exp(-t)) }
    private func rho(_ t: Double) -> Double { logistic(t) * (1 + a) - a }

    func correlation(_ r: UnsafeMutablePointer<Double>, phi: UnsafeBufferPointer<Double>) {
        let rho = rho(phi[0])
        fillStationary(r, diagonal: 1) { _, _ in rho }
    }

    func derivative(_ derivative: UnsafeMutablePointer<Double>, parameter m: Int, phi: UnsafeBufferPointer<Double>) {
        let p = logistic(phi[0])
        let slope = p * (1 - p) * (1 + a)
        fillStationary(derivative, diagonal: 0) { _, _ in slope }
    }

    func reported(phi: [Double]) -> [StructureParameter] { [StructureParameter(name: "rho", value: rho(phi[0]))] }
}
