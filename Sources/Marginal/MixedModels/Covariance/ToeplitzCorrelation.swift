/// glmmTMB's `toep(f + 0 | g)`: R_ij = ρ_|i−j|, one free correlation per lag 1…S−1, and one SD
/// per column. φ_k = t_k with ρ_k = t_k/√(1 + t_k²) (glmmTMB's `toep_covstruct`); unlike `ar1`
/// not every φ gives a positive-definite R, and such a φ is refused (a failed evaluation).
struct ToeplitzCorrelation: CorrelationStructure {
    let dimension: Int
    var keyword: String { "toep" }
    var heterogeneous: Bool { true }
    var parameterCount: Int { dimension - 1 }
    var initial: [Double] { Array(repeating: 0, count: parameterCount) }
    var parameterNames: [String] { (1..<dimension).map { "rho.lag\($0).transformed" } }

    func correlation(_ r: UnsafeMutablePointer<Double>, phi: UnsafeBufferPointer<Double>) {
        fillStationary(r, diagonal: 1) { i, j in AutoregressiveCorrelation.rho(phi[i - j - 1]) }
    }

    func derivative(_ derivative: UnsafeMutablePointer<Double>, parameter m: Int, phi: UnsafeBufferPointer<Double>) {
        let slope = AutoregressiveCorrelation.rhoDerivative(phi[m])
        fillStationary(derivative, diagonal: 0) { i, j in i - j == m + 1 ? slope : 0 }
    }

    func reported(phi: [Double]) -> [StructureParameter] {
        phi.enumerated().map { StructureParameter(name: "rho.lag\($0.offset + 1)", value: AutoregressiveCorrelation.rho($0.element)) }
    }
}
