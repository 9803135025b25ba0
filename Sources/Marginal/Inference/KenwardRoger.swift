import CLapack
import Foundation

/// The Kenward–Roger F test of H₀: Lβ = 0 for a linear mixed model fitted by REML (Kenward & Roger
/// 1997, *Biometrics* 53; pbkrtest's `KRmodcomp` and `vcovAdj`, Halekoh & Højsgaard 2014, *J. Stat.
/// Softw.* 59(9)).
///
/// The marginal covariance is linear in the covariance parameters ψ (each random-effect term's
/// variances and covariances, then σ²): Σ = Σᵣ ψᵣGᵣ, Gᵣ = Zₖ(E_ab + E_ba)Zₖᵀ/(1 + δ_ab) for the
/// term's element (a, b), and G = I for σ². With Φ = (XᵀΣ⁻¹X)⁻¹, Pᵣ = −XᵀΣ⁻¹GᵣΣ⁻¹X,
/// Qᵣₛ = XᵀΣ⁻¹GᵣΣ⁻¹GₛΣ⁻¹X and W = Cov ψ̂ = 2 I⁻¹ from the expected REML information
/// Iᵣₛ = tr(P̃GᵣP̃Gₛ), P̃ = Σ⁻¹ − Σ⁻¹XΦXᵀΣ⁻¹, the adjusted covariance of β̂ is
///
///     Φ_A = Φ + 2Φ [Σᵣₛ Wᵣₛ (Qᵣₛ − PᵣΦPₛ)] Φ,
///
/// and with Θ = Lᵀ(LΦLᵀ)⁻¹L, A₁ = Σ Wᵣₛ tr(ΘΦPᵣΦ) tr(ΘΦPₛΦ), A₂ = Σ Wᵣₛ tr(ΘΦPᵣΦΘΦPₛΦ), the
/// statistic F = (Lβ̂)ᵀ(LΦ_ALᵀ)⁻¹(Lβ̂)/q is scaled by λ and referred to F(q, m) with m and λ from
/// matching the first two moments (the paper's §4). Σ is formed densely (n × n), as pbkrtest does:
/// the computation is O(n³), so it is refused beyond ``maximumRows`` rows.
public struct KenwardRogerTest: Sendable, Equatable {
    /// Numerator and denominator degrees of freedom, the scaled statistic λF and the scaling λ.
    public var numeratorDegreesOfFreedom: Int
    public var denominatorDegreesOfFreedom: Double
    public var statistic: Double
    public var scaling: Double
    public var pValue: Double { FDistribution.upperTail(statistic, numeratorDegreesOfFreedom: Double(numeratorDegreesOfFreedom), denominatorDegreesOfFreedom: denominatorDegreesOfFreedom) }
}

/// Why a Kenward–Roger test cannot be computed.
public enum KenwardRogerError: Error, Equatable, CustomStringConvertible {
    case notREML
    case tooManyRows(Int)
    case weighted
    /// Its covariance parameters are the elements of unstructured covariance matrices.
    case structuredCovariance
    case contrast(String)
    case singular(String)

    public var description: String {
        switch self {
        case .notREML: "Kenward–Roger's approximation is defined for REML fits; refit without --ml"
        case .tooManyRows(let n): "Kenward–Roger forms the \(n) × \(n) marginal covariance densely (as pbkrtest does) and is limited to \(KenwardRoger.maximumRows) rows; use Satterthwaite's degrees of freedom"
        case .weighted: "Kenward–Roger is not written for prior weights; use Satterthwaite's degrees of freedom"
        case .structuredCovariance: "Kenward–Roger is written for lme4's unstructured random-effect terms, not yet for covariance structures such as ar1(...); use Satterthwaite's degrees of freedom"
        case .contrast(let reason): "the contrast matrix \(reason)"
        case .singular(let what): "Kenward–Roger cannot be computed: \(what) is singular (a boundary fit?)"
        }
    }
}

extension LinearMixedModel {
    /// `fit` (REML) with each fixed effect's t test as lmerTest's `summary(ddf = "Kenward-Roger")`:
    /// the standard errors and the covariance of β̂ are Kenward–Roger's adjusted Φ_A, and each
    /// coefficient's degrees of freedom are the denominator's of the test of βⱼ = 0.
    public func withKenwardRogerTests(_ fit: LinearMixedModelFit) throws(KenwardRogerError) -> LinearMixedModelFit {
        let kr = try KenwardRoger(model: self, fit: fit)
        let p = design.fixedEffects.p
        var tested = fit
        for j in 0..<p {
            var l = Matrix(rows: 1, columns: p)
            l[0, j] = 1
            tested.fixedEffects[j].degreesOfFreedom = try kr.test(l).denominatorDegreesOfFreedom
            tested.fixedEffects[j].standardError = kr.adjustedCovariance[j, j].squareRoot()
        }
        tested.fixedEffectsCovariance = kr.adjustedCovariance
        tested.degreesOfFreedomMethod = .kenwardRoger
        return tested
    }
}

/// The pieces of the Kenward–Roger computation that do not depend on the contrast: Φ, the Pᵣ,
/// W and the adjusted covariance Φ_A, at a REML fit.
public struct KenwardRoger: Sendable {
    /// Σ is n × n: beyond this many rows the O(n³) computation is refused.
    public static let maximumRows = 4000
    let p: Int
    /// Φ, Φ_A (p × p) and each Pᵣ, column-major; W (R × R).
    let phi: [Double]
    public let adjustedCovariance: Matrix
    let pMatrices: [[Double]]
    let w: [Double]
    let beta: [Double]

    /// Forms the pieces at `fit`, a REML fit of `model`.
    public init(model: LinearMixedModel, fit: LinearMixedModelFit) throws(KenwardRogerError) {
        guard fit.criterion == .reml else { throw .notREML }
        guard model.thetaLayout.isUnstructured else { throw .structuredCovariance }
        let design = model.design
        let n = design.nobs
        guard design.weights == nil else { throw .weighted }
        guard n <= Self.maximumRows else { throw .tooManyRows(n) }
        let p = design.fixedEffects.p
        self.p = p
        beta = fit.fixedEffects.map(\.estimate)
        let sigma2 = fit.sigma * fit.sigma
        let lambdas = model.thetaLayout.lambdas(fit.theta)

        // Gᵣ as (block, a, b), then σ²'s identity (block −1); ψᵣ are not needed beyond Σ.
        var parameters: [(block: Int, a: Int, b: Int)] = []
        for (k, block) in model.blocks.enumerated() {
            for part in block.parts {
                for b in part.columns { for a in part.columns where a >= b { parameters.append((k, a, b)) } }
            }
        }
        parameters.append((-1, 0, 0))
        let rowsByLevel = model.blocks.map { CountingSort(codes: $0.codes, levels: $0.levelCount) }

        // Σ = σ²(I + ZΛΛᵀZᵀ), level by level.
        var sigma = [Double](repeating: 0, count: n * n)
        for i in 0..<n { sigma[i + i * n] = sigma2 }
        for (k, block) in model.blocks.enumerated() {
            let s = block.dimension
            var covariance = [Double](repeating: 0, count: s * s)
            for a in 0..<s { for b in 0..<s { for t in 0..<s { covariance[a + b * s] += lambdas[k][a, t] * lambdas[k][b, t] * sigma2 } } }
            for level in 0..<block.levelCount {
                let rows = rowsByLevel[k].rows(of: level)
                for i in rows {
                    for j in rows {
                        var value = 0.0
                        for a in 0..<s { for b in 0..<s { value += block.z[a, i] * covariance[a + b * s] * block.z[b, j] } }
                        sigma[i + j * n] += value
                    }
                }
            }
        }
        guard let v = CholeskyInverse.inverseOfPositiveDefinite(sigma, n: n) else { throw .singular("the marginal covariance Σ") }
        let x = design.fixedEffects.matrix.elements
        let vx = Self.product(v, n, n, x, p)
        guard let phi = CholeskyInverse.inverseOfPositiveDefinite(Self.product(x, p, n, vx, p, transposeA: true), n: p) else {
            throw .singular("XᵀΣ⁻¹X")
        }
        self.phi = phi

        /// Gᵣ M for an n × m matrix M (column-major): per level, the outer products of the term's columns.
        func applyG(_ r: Int, _ m: [Double], columns: Int) -> [Double] {
            let (k, a, b) = parameters[r]
            guard k >= 0 else { return m }
            let block = model.blocks[k]
            var out = [Double](repeating: 0, count: n * columns)
            for level in 0..<block.levelCount {
                let rows = rowsByLevel[k].rows(of: level)
                for c in 0..<columns {
                    var za = 0.0, zb = 0.0
                    for j in rows {
                        za += block.z[a, j] * m[j + c * n]
                        zb += block.z[b, j] * m[j + c * n]
                    }
                    for i in rows {
                        out[i + c * n] += a == b ? block.z[a, i] * za : block.z[a, i] * zb + block.z[b, i] * za
                    }
                }
            }
            return out
        }

        let count = parameters.count
        // Pᵣ = −(Σ⁻¹X)ᵀGᵣ(Σ⁻¹X), and Gᵣ Σ⁻¹X for the Qᵣₛ.
        let gvx = (0..<count).map { applyG($0, vx, columns: p) }
        pMatrices = gvx.map { g in Self.product(vx, p, n, g, p, transposeA: true).map { -$0 } }
        // P̃ = Σ⁻¹ − Σ⁻¹XΦXᵀΣ⁻¹, Uᵣ = GᵣP̃ and Iᵣₛ = tr(P̃GᵣP̃Gₛ) = Σ (Uᵣ)ᵢⱼ(Uₛ)ⱼᵢ.
        var projection = v
        let vxPhi = Self.product(vx, n, p, phi, p)
        let outer = Self.product(vxPhi, n, p, vx, n, transposeB: true)
        for i in projection.indices { projection[i] -= outer[i] }
        let u = (0..<count).map { applyG($0, projection, columns: n) }
        var information = [Double](repeating: 0, count: count * count)
        for r in 0..<count {
            for s in 0...r {
                var trace = 0.0
                for j in 0..<n { for i in 0..<n { trace += u[r][i + j * n] * u[s][j + i * n] } }
                information[r + s * count] = trace
                information[s + r * count] = trace
            }
        }
        guard let inverse = CholeskyInverse.inverseOfPositiveDefinite(information, n: count) else {
            throw .singular("the expected information of the covariance parameters")
        }
        w = inverse.map { 2 * $0 }

        // Λ = Σᵣₛ Wᵣₛ (Qᵣₛ − PᵣΦPₛ), Qᵣₛ = (GᵣΣ⁻¹X)ᵀ Σ⁻¹ (GₛΣ⁻¹X); Φ_A = Φ + 2ΦΛΦ.
        let vg = gvx.map { Self.product(v, n, n, $0, p) }
        var middle = [Double](repeating: 0, count: p * p)
        for r in 0..<count {
            for s in 0..<count {
                let weight = w[r + s * count]
                let q = Self.product(gvx[r], p, n, vg[s], p, transposeA: true)
                let pp = Self.product(Self.product(pMatrices[r], p, p, phi, p), p, p, pMatrices[s], p)
                for i in middle.indices { middle[i] += weight * (q[i] - pp[i]) }
            }
        }
        let correction = Self.product(Self.product(phi, p, p, middle, p), p, p, phi, p)
        adjustedCovariance = Matrix(rows: p, columns: p, elements: zip(phi, correction).map { $0 + 2 * $1 })
    }

    /// The test of Lβ = 0 for the q × p contrast matrix L (full row rank).
    public func test(_ l: Matrix) throws(KenwardRogerError) -> KenwardRogerTest {
        let q = l.rows
        guard l.columns == p, q > 0 else { throw .contrast("has \(l.columns) columns for \(p) fixed effects") }
        let lm = (0..<p).flatMap { j in (0..<q).map { i in l[i, j] } }      // L column-major, q × p
        guard Self.hasFullRowRank(lm, rows: q, columns: p) else { throw .contrast("is not of full row rank") }
        guard let inner = CholeskyInverse.inverseOfPositiveDefinite(Self.product(Self.product(lm, q, p, phi, p), q, p, lm, q, transposeB: true), n: q) else {
            throw .contrast("is not of full row rank")
        }
        let theta = Self.product(Self.product(lm, p, q, inner, q, transposeA: true), p, q, lm, p)   // Lᵀ(LΦLᵀ)⁻¹L
        let count = pMatrices.count
        let products = pMatrices.map { Self.product(Self.product(Self.product(theta, p, p, phi, p), p, p, $0, p), p, p, phi, p) }
        func trace(_ a: [Double]) -> Double { (0..<p).reduce(0) { $0 + a[$1 + $1 * p] } }
        var a1 = 0.0, a2 = 0.0
        for r in 0..<count {
            for s in 0..<count {
                a1 += w[r + s * count] * trace(products[r]) * trace(products[s])
                a2 += w[r + s * count] * trace(Self.product(products[r], p, p, products[s], p))
            }
        }
        let qd = Double(q)
        let b = (a1 + 6 * a2) / (2 * qd)
        let g = ((qd + 1) * a1 - (qd + 4) * a2) / ((qd + 2) * a2)
        let denominator = 3 * qd + 2 * (1 - g)
        let (c1, c2, c3) = (g / denominator, (qd - g) / denominator, (qd + 2 - g) / denominator)
        let expectation = 1 / (1 - a2 / qd)
        let variance = 2 / qd * (1 + c1 * b) / ((1 - c2 * b) * (1 - c2 * b) * (1 - c3 * b))
        let rho = variance / (2 * expectation * expectation)
        let m = 4 + (qd + 2) / (qd * rho - 1)
        let scaling = m / (expectation * (m - 2))
        // F = (Lβ̂)ᵀ(LΦ_ALᵀ)⁻¹(Lβ̂)/q.
        let lb = (0..<q).map { i in (0..<p).reduce(0.0) { $0 + l[i, $1] * beta[$1] } }
        guard let adjusted = CholeskyInverse.inverseOfPositiveDefinite(
            Self.product(Self.product(lm, q, p, adjustedCovariance.elements, p), q, p, lm, q, transposeB: true), n: q)
        else { throw .singular("L Φ_A Lᵀ") }
        var f = 0.0
        for i in 0..<q { for j in 0..<q { f += lb[i] * adjusted[i + j * q] * lb[j] } }
        f /= qd
        return KenwardRogerTest(numeratorDegreesOfFreedom: q, denominatorDegreesOfFreedom: m, statistic: scaling * f, scaling: scaling)
    }

    /// Whether the q × p matrix (column-major) has rank q: the Cholesky pivots of its Gram matrix
    /// LLᵀ stay above 1e-10 of their diagonals (so that a row repeated up to rounding counts as
    /// dependent).
    static func hasFullRowRank(_ l: [Double], rows q: Int, columns p: Int) -> Bool {
        var gram = product(l, q, p, l, q, transposeB: true)
        for j in 0..<q {
            let diagonal = gram[j + j * q]
            for k in 0..<j { gram[j + j * q] -= gram[j + k * q] * gram[j + k * q] }
            guard gram[j + j * q] > 1e-10 * max(diagonal, .leastNormalMagnitude) else { return false }
            let pivot = gram[j + j * q].squareRoot()
            gram[j + j * q] = pivot
            for i in (j + 1)..<max(q, j + 1) {
                for k in 0..<j { gram[i + j * q] -= gram[i + k * q] * gram[j + k * q] }
                gram[i + j * q] /= pivot
            }
        }
        return true
    }

    /// A B by BLAS: A is rows × inner (column-major), or stored inner × rows when `transposeA`; B
    /// is inner × columns, or stored columns × inner when `transposeB`.
    static func product(_ a: [Double], _ rows: Int, _ inner: Int, _ b: [Double], _ columns: Int, transposeA: Bool = false, transposeB: Bool = false) -> [Double] {
        var c = [Double](repeating: 0, count: rows * columns)
        guard rows > 0, columns > 0, inner > 0 else { return c }
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    cblas_dgemm(
                        CblasColMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                        blasint(rows), blasint(columns), blasint(inner), 1, ap.baseAddress, blasint(transposeA ? inner : rows),
                        bp.baseAddress, blasint(transposeB ? columns : inner), 0, cp.baseAddress, blasint(rows))
                }
            }
        }
        return c
    }
}
