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
/// Σ is block diagonal: a dense k × k block S over the first k coordinates and a diagonal D over
/// the rest (k = 0 Stan's diagonal metric, k = d its dense one, in between
/// ``InverseMetric/blocked(leading:diagonal:)``), so each operation is the dense one on the first
/// k coordinates and the diagonal one on the others:
///
/// - velocity dq/dt = ∂K/∂p = Σp (Stan's `dtau_dp`, the "sharp" momentum p♯ of the no-U-turn
///   criterion);
/// - momentum resampling p ~ N(0, M): diagonal, pᵢ = zᵢ/√Dᵢᵢ; dense, with the Cholesky factor
///   S = LLᵀ, p = L⁻ᵀz, whose covariance is L⁻ᵀL⁻¹ = (LLᵀ)⁻¹ = S⁻¹; z standard normal.
struct EuclideanMetric {
    let inverse: InverseMetric
    let dimension: Int
    /// k, the size of the dense block.
    private let denseCount: Int
    /// S (k × k, column-major), then D's d − k entries.
    private let values: [Double]
    /// The lower Cholesky factor L of S (k × k, column-major), then 1/√Dᵢᵢ.
    private let factor: [Double]

    /// Nil when S is not square or not positive definite, or an entry of D is not positive and finite.
    init?(_ inverse: InverseMetric) {
        switch inverse {
        case .dense(let s), .blocked(let s, _): guard s.rows == s.columns else { return nil }
        case .diagonal: break
        }
        self.inverse = inverse
        let k = inverse.denseCount
        let values = inverse.values
        dimension = values.count - k * k + k
        denseCount = k
        self.values = values
        guard values.allSatisfy(\.isFinite), values[(k * k)...].allSatisfy({ $0 > 0 }) else { return nil }
        var factor = values
        for i in (k * k)..<factor.count { factor[i] = 1 / factor[i].squareRoot() }
        let ok = factor.withUnsafeMutableBufferPointer { buffer in
            guard k > 0, let base = buffer.baseAddress else { return true }
            return SmallMatrix.choleskyLower(base, size: k)
        }
        guard ok else { return nil }
        self.factor = factor
    }

    /// v ← Σp.
    func velocity(_ p: [Double], into v: inout [Double]) {
        let k = denseCount
        values.withUnsafeBufferPointer { s in
            for i in 0..<k { v[i] = 0 }
            for j in 0..<k {
                let pj = p[j]
                for i in 0..<k { v[i] += s[i + j * k] * pj }
            }
            let diagonal = s.baseAddress! + k * k - k
            for i in k..<dimension { v[i] = diagonal[i] * p[i] }
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
        let k = denseCount
        var sum = 0.0
        values.withUnsafeBufferPointer { s in
            for j in 0..<k {
                var column = 0.0
                for i in 0..<k { column += s[i + j * k] * p[i] }
                sum += column * p[j]
            }
            let diagonal = s.baseAddress! + k * k - k
            for i in k..<dimension { sum += p[i] * diagonal[i] * p[i] }
        }
        return 0.5 * sum
    }

    /// p ~ N(0, M), drawing d standard normals from `random` in coordinate order.
    func sampleMomentum(into p: inout [Double], using random: inout RandomSource) {
        let k = denseCount
        for i in 0..<k { p[i] = random.normal() }
        for i in k..<dimension { p[i] = random.normal() * factor[k * k + i - k] }
        guard k > 0 else { return }
        factor.withUnsafeBufferPointer { l in
            p.withUnsafeMutableBufferPointer { SmallMatrix.solveLowerTransposed(l.baseAddress!, $0.baseAddress!, size: k) }
        }
    }
}
