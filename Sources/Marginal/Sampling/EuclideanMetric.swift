#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The Euclidean–Gaussian kinetic energy K(p) = ½pᵀM⁻¹p with constant metric M
/// (Betancourt 2017, "A conceptual introduction to Hamiltonian Monte Carlo", §4.2; Stan's
/// `diag_e_metric` and `dense_e_metric`), parametrized by the inverse metric Σ = M⁻¹, which
/// adaptation sets to the posterior covariance estimate.
///
/// - velocity dq/dt = ∂K/∂p = Σp (Stan's `dtau_dp`, the "sharp" momentum p♯ of the no-U-turn
///   criterion);
/// - momentum resampling p ~ N(0, M): diagonal, pᵢ = zᵢ/√Σᵢᵢ; dense, with the Cholesky factor
///   Σ = LLᵀ, p = L⁻ᵀz, whose covariance is L⁻ᵀL⁻¹ = (LLᵀ)⁻¹ = M; z standard normal.
struct EuclideanMetric {
    let inverse: InverseMetric
    let dimension: Int
    /// Diagonal: 1/√Σᵢᵢ. Dense: the lower Cholesky factor L of Σ, column-major.
    private let factor: [Double]

    /// Nil when a dense Σ is not positive definite or a diagonal entry is not positive and finite.
    init?(_ inverse: InverseMetric) {
        self.inverse = inverse
        switch inverse {
        case .diagonal(let variances):
            guard variances.allSatisfy({ $0 > 0 && $0.isFinite }) else { return nil }
            dimension = variances.count
            factor = variances.map { 1 / $0.squareRoot() }
        case .dense(let sigma):
            guard sigma.rows == sigma.columns, sigma.elements.allSatisfy(\.isFinite) else { return nil }
            dimension = sigma.rows
            var l = sigma.elements
            let n = dimension
            let ok = l.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return n == 0 }
                return SmallMatrix.choleskyLower(base, size: n)
            }
            guard ok else { return nil }
            factor = l
        }
    }

    /// v ← Σp.
    func velocity(_ p: [Double], into v: inout [Double]) {
        switch inverse {
        case .diagonal(let sigma):
            for i in 0..<dimension { v[i] = sigma[i] * p[i] }
        case .dense(let sigma):
            let n = dimension
            sigma.elements.withUnsafeBufferPointer { s in
                for i in 0..<n { v[i] = 0 }
                for j in 0..<n {
                    let pj = p[j]
                    for i in 0..<n { v[i] += s[i + j * n] * pj }
                }
            }
        }
    }

    /// Σp as a new array.
    func velocity(_ p: [Double]) -> [Double] {
        var v = [Double](repeating: 0, count: dimension)
        velocity(p, into: &v)
        return v
    }

    /// K(p) = ½pᵀΣp.
    func kineticEnergy(_ p: [Double]) -> Double {
        switch inverse {
        case .diagonal(let sigma):
            var sum = 0.0
            for i in 0..<dimension { sum += p[i] * sigma[i] * p[i] }
            return 0.5 * sum
        case .dense:
            let v = velocity(p)
            var sum = 0.0
            for i in 0..<dimension { sum += p[i] * v[i] }
            return 0.5 * sum
        }
    }

    /// p ~ N(0, M), drawing d standard normals from `random` in coordinate order.
    func sampleMomentum(into p: inout [Double], using random: inout RandomSource) {
        switch inverse {
        case .diagonal:
            for i in 0..<dimension { p[i] = random.normal() * factor[i] }
        case .dense:
            for i in 0..<dimension { p[i] = random.normal() }
            factor.withUnsafeBufferPointer { l in
                guard let base = l.baseAddress else { return }
                p.withUnsafeMutableBufferPointer { SmallMatrix.solveLowerTransposed(base, $0.baseAddress!, size: dimension) }
            }
        }
    }
}
