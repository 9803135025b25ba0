import CLapack
import Foundation

/// The fixed-effect coordinates the engine works in, chosen so that the cross products stay
/// accurate whatever the units and location of y and of the covariates.
///
/// With √W X = Q R (thin QR, W the prior weights) the engine's columns are X̃ = X R⁻¹, so that
/// √W X̃ = Q is orthonormal, and its response is the weighted least-squares residual
/// ỹ = y − o − X̃ c with c = X̃ᵀW(y − o) (refined once). The model is the same:
/// y − o = X̃ (c + β̃) + Zb + ε with β̃ = R β − c, so β = R⁻¹ (β̃ + c).
///
/// Formed from [X y] directly, r² = yᵀy − (projection) cancels: sleepstudy with Reaction + 1e9
/// loses every digit of r², and Days in seconds (× 86,400) makes XᵀX ill-conditioned. In these
/// coordinates both are exact to rounding, and every quantity is transformed back: β and its
/// covariance R⁻¹ Cov(β̃) R⁻ᵀ, and the REML term log det(XᵀV⁻¹X) = log det(X̃ᵀV⁻¹X̃) + 2 log|det R|.
struct FixedEffectsBasis: Sendable {
    let p: Int
    /// R, p × p upper triangular, column-major.
    let r: [Double]
    /// c = R β₀, the least-squares coefficients in the engine's coordinates.
    let shift: [Double]
    /// 2 Σ log |R_jj| = log det(XᵀWX).
    let logDeterminant: Double
    /// X̃ (n × p, column-major) and ỹ, the columns and response the cross products are formed from.
    let columns: Matrix
    let response: [Double]

    /// - Parameters: x (n × p, full column rank), y (less any offset), weights (nil for 1).
    init(x: Matrix, y: [Double], weights: [Double]?) {
        let n = y.count
        let p = x.columns
        self.p = p
        let sqrtW = weights.map { $0.map { $0.squareRoot() } }
        var a = x.elements
        if let sqrtW {
            for j in 0..<p { for i in 0..<n { a[i + j * n] *= sqrtW[i] } }
        }
        var tau = [Double](repeating: 0, count: p)
        let factored = p > 0 && n >= p && a.withUnsafeMutableBufferPointer { ap in
            tau.withUnsafeMutableBufferPointer { tp in
                LAPACKE_dgeqrf(LAPACK_COL_MAJOR, Int32(n), Int32(p), ap.baseAddress!, Int32(n), tp.baseAddress!) == 0
            }
        }
        var r = [Double](repeating: 0, count: p * p)
        for j in 0..<p {
            for i in 0...j { r[i + j * p] = factored ? a[i + j * n] : (i == j ? 1 : 0) }
        }
        // A zero pivot would make R singular; the design drops aliased columns, so this only
        // guards against rounding: keep such a column as it is.
        for j in 0..<p where !(abs(r[j + j * p]) > 0) || !r[j + j * p].isFinite {
            for i in 0..<p { r[i + j * p] = i == j ? 1 : 0 }
        }
        var columns = x
        columns.elements.withUnsafeMutableBufferPointer { cp in
            r.withUnsafeBufferPointer { rp in
                guard p > 0, n > 0 else { return }
                cblas_dtrsm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, blasint(n), blasint(p), 1,
                            rp.baseAddress!, blasint(p), cp.baseAddress!, blasint(n))
            }
        }
        (shift, response) = Self.project(y, on: columns, weights: weights)
        self.r = r
        self.columns = columns
        logDeterminant = 2 * (0..<p).reduce(0) { $0 + Foundation.log(abs(r[$1 + $1 * p])) }
    }

    /// c = X̃ᵀW y and ỹ = y − X̃ c, projecting X̃ out twice (the second pass removes what rounding
    /// left of the first).
    private static func project(_ y: [Double], on columns: Matrix, weights: [Double]?) -> (shift: [Double], residual: [Double]) {
        let n = y.count
        let p = columns.columns
        var residual = y
        var shift = [Double](repeating: 0, count: p)
        for _ in 0..<2 {
            for j in 0..<p {
                var dot = 0.0
                for i in 0..<n { dot += columns[i, j] * (weights?[i] ?? 1) * residual[i] }
                shift[j] += dot
                for i in 0..<n { residual[i] -= columns[i, j] * dot }
            }
        }
        return (shift, residual)
    }

    /// β̃ = R β − c.
    func engineCoordinates(_ beta: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        for i in 0..<p {
            var sum = -shift[i]
            for j in i..<p { sum += r[i + j * p] * beta[j] }
            out[i] = sum
        }
    }

    /// β = R⁻¹ (β̃ + c).
    func originalCoordinates(_ engine: [Double]) -> [Double] {
        var beta = zip(engine, shift).map { $0 + $1 }
        for i in stride(from: p - 1, through: 0, by: -1) {
            for j in (i + 1)..<max(p, i + 1) { beta[i] -= r[i + j * p] * beta[j] }
            beta[i] /= r[i + i * p]
        }
        return beta
    }

    /// ∂/∂β = Rᵀ ∂/∂β̃, in place.
    func pullBack(_ adjoint: inout [Double]) {
        for j in stride(from: p - 1, through: 0, by: -1) {
            var sum = 0.0
            for i in 0...j { sum += r[i + j * p] * adjoint[i] }
            adjoint[j] = sum
        }
    }

    /// R⁻¹ C R⁻ᵀ for a symmetric p × p C in the engine's coordinates.
    func originalCovariance(_ c: Matrix) -> Matrix {
        // Solve R X = C (columns), then R Y = Xᵀ: Y = R⁻¹ C R⁻ᵀ.
        func solveColumns(_ m: Matrix) -> Matrix {
            var out = m
            for k in 0..<p {
                for i in stride(from: p - 1, through: 0, by: -1) {
                    var value = out[i, k]
                    for j in (i + 1)..<max(p, i + 1) { value -= r[i + j * p] * out[j, k] }
                    out[i, k] = value / r[i + i * p]
                }
            }
            return out
        }
        let half = solveColumns(c)
        var transposed = Matrix(rows: p, columns: p)
        for i in 0..<p { for j in 0..<p { transposed[i, j] = half[j, i] } }
        return solveColumns(transposed)
    }
}
