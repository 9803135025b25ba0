import Foundation

/// Satterthwaite's degrees of freedom for the t tests of a linear mixed model's fixed effects, as
/// lmerTest computes them (Kuznetsova, Brockhoff & Christensen 2017, *J. Stat. Softw.* 82(13),
/// §3; Satterthwaite 1946; Giesbrecht & Burns 1985): for coefficient j,
///
///     νⱼ = 2 Vⱼⱼ(φ̂)² / (∇Vⱼⱼ(φ̂)ᵀ A ∇Vⱼⱼ(φ̂)),
///
/// with φ = (θ, σ) the variance parameters, V(φ) = σ² C(θ) the covariance of β̂ as a function of
/// them (C = (XᵀΣ⁻¹X)⁻¹/σ², ``PenalizedLeastSquares/fixedEffectsCovarianceFactor()``), and
/// A = 2H⁻¹ their asymptotic covariance from the Hessian H of the deviance in φ, not profiled:
/// D(θ, σ) = a(θ) + P(θ)/σ² + m log(2πσ²), a = log|L_θ|² (+ log|R_X|² for REML), P the penalized
/// residual sum of squares, m = n (ML) or n − p (REML). The σ derivatives are written out
/// (∂²D/∂σ² = 6P/σ⁴ − 2m/σ², ∂²D/∂σ∂θ = −2∇P/σ³, ∂V/∂σ = 2σC); those in θ are central
/// differences with Richardson extrapolation (steps 10⁻²|θᵢ|, or 10⁻² where θᵢ ≈ 0, then three
/// halvings: numDeriv's scheme, which lmerTest uses, with larger first steps, since its default
/// 10⁻⁴ left rounding errors of up to 6e-4 in ν on sleepstudy).
extension LinearMixedModel {
    /// `fit` with each fixed effect's t test on Satterthwaite's degrees of freedom (lmerTest's
    /// default; ``FixedEffectEstimate/pValue``).
    public func withSatterthwaiteTests(_ fit: LinearMixedModelFit) -> LinearMixedModelFit {
        var tested = fit
        for (j, nu) in satterthwaiteDegreesOfFreedom(fit).enumerated() { tested.fixedEffects[j].degreesOfFreedom = nu }
        tested.degreesOfFreedomMethod = .satterthwaite
        return tested
    }

    /// νⱼ for each fixed effect at the fit's estimate; nil where H is not positive definite
    /// (a fit on the boundary whose curvature the differences cannot resolve) or νⱼ is not finite.
    public func satterthwaiteDegreesOfFreedom(_ fit: LinearMixedModelFit) -> [Double?] {
        let p = design.fixedEffects.p
        guard let moments = SatterthwaiteMoments(model: self, fit: fit) else { return Array(repeating: nil, count: p) }
        return (0..<p).map { j in moments.degreesOfFreedom((0..<p).map { $0 == j ? 1 : 0 }) }
    }

    /// The F test of H₀: Lβ = 0 for the q × p contrast matrix L with Satterthwaite's denominator
    /// degrees of freedom, as lmerTest's `contestMD` (Kuznetsova et al. 2017, §3.2): with
    /// LVLᵀ = PDPᵀ, F = Σₘ (pₘᵀLβ̂)²/dₘ / q, each direction lₘ = Lᵀpₘ gets its own νₘ, and the
    /// denominator's degrees of freedom are 2E/(E − q) with E = Σₘ νₘ/(νₘ − 2) (2 if some νₘ ≤ 2;
    /// ν₁ when q = 1 or all νₘ agree). Nil where the moments or the eigendecomposition fail, or L
    /// is not of full row rank.
    public func satterthwaiteFTest(_ fit: LinearMixedModelFit, contrast l: Matrix) -> (statistic: Double, numerator: Int, denominator: Double, pValue: Double)? {
        guard l.columns == design.fixedEffects.p, let moments = SatterthwaiteMoments(model: self, fit: fit) else { return nil }
        return moments.fTest(l, beta: fit.fixedEffects.map(\.estimate))
    }
}

/// What Satterthwaite's approximation needs at a fit: V = σ²C(θ̂) (the covariance of β̂), its
/// derivatives in φ = (θ, σ), and A = 2H⁻¹, the asymptotic covariance of φ̂ (see
/// ``LinearMixedModel/withSatterthwaiteTests(_:)``).
struct SatterthwaiteMoments {
    let p: Int
    /// V (p × p, column-major).
    let covariance: [Double]
    /// ∂V/∂θᵢ (each p × p), then ∂V/∂σ.
    let derivatives: [[Double]]
    /// A over φ = (θ, σ), (k + 1)².
    let a: [Double]

    /// ν = 2(lᵀVl)²/(gᵀAg), g = ∇φ(lᵀVl); nil where it is not finite and positive.
    func degreesOfFreedom(_ l: [Double]) -> Double? {
        func form(_ m: [Double]) -> Double {
            var sum = 0.0
            for i in 0..<p { for j in 0..<p { sum += l[i] * m[i + j * p] * l[j] } }
            return sum
        }
        let variance = form(covariance)
        let g = derivatives.map(form)
        let size = g.count
        var denominator = 0.0
        for x in 0..<size { for y in 0..<size { denominator += g[x] * a[x + y * size] * g[y] } }
        let nu = 2 * variance * variance / denominator
        return nu.isFinite && nu > 0 ? nu : nil
    }

    /// ``LinearMixedModel/satterthwaiteFTest(_:contrast:)`` at these moments, for β̂ = `beta`.
    func fTest(_ l: Matrix, beta: [Double]) -> (statistic: Double, numerator: Int, denominator: Double, pValue: Double)? {
        let q = l.rows
        guard l.columns == p, q > 0 else { return nil }
        // V_L = L V Lᵀ (q × q), V = σ²C.
        var v = [Double](repeating: 0, count: q * q)
        for a in 0..<q {
            for b in 0..<q {
                var sum = 0.0
                for i in 0..<p { for j in 0..<p { sum += l[a, i] * covariance[i + j * p] * l[b, j] } }
                v[a + b * q] = sum
            }
        }
        guard let d = try? KnownCovarianceLinearAlgebra.symmetricEigen(&v, n: q), let largest = d.last, d.allSatisfy({ $0 > 1e-10 * largest }) else {
            return nil
        }
        let lb = (0..<q).map { a in (0..<p).reduce(0.0) { $0 + l[a, $1] * beta[$1] } }
        var f = 0.0
        var nus: [Double] = []
        for m in 0..<q {
            let direction = (0..<p).map { j in (0..<q).reduce(0.0) { $0 + v[$1 + m * q] * l[$1, j] } }
            let projection = (0..<q).reduce(0.0) { $0 + v[$1 + m * q] * lb[$1] }
            f += projection * projection / d[m]
            guard let nu = degreesOfFreedom(direction) else { return nil }
            nus.append(nu)
        }
        f /= Double(q)
        let denominator: Double
        if q == 1 || nus.allSatisfy({ abs($0 - nus[0]) < 1e-8 }) {
            denominator = nus[0]
        } else if nus.contains(where: { $0 <= 2 }) {
            denominator = 2
        } else {
            let e = nus.reduce(0.0) { $0 + $1 / ($1 - 2) }
            denominator = 2 * e / (e - Double(q))
        }
        return (f, q, denominator, FDistribution.upperTail(f, numeratorDegreesOfFreedom: Double(q), denominatorDegreesOfFreedom: denominator))
    }

    init?(model: LinearMixedModel, fit: LinearMixedModelFit) {
        let design = model.design
        let p = design.fixedEffects.p
        self.p = p
        let k = fit.theta.count
        let sigma = fit.sigma, s2 = fit.sigma * fit.sigma
        let reml = fit.criterion == .reml
        let m = Double(reml ? design.nobs - p : design.nobs)
        var factor = PenalizedLeastSquares(products: model.products, factors: model.factors)
        /// a(θ), P(θ) and C(θ) (p × p, column-major) at θ; nil where the factor fails.
        func pieces(_ theta: [Double]) -> (a: Double, p: Double, c: [Double])? {
            guard factor.update(theta: theta) else { return nil }
            let a = factor.logDeterminantRandom + (reml ? factor.logDeterminantFixed : 0)
            return (a, factor.penalizedResidualSumOfSquares, factor.fixedEffectsCovarianceFactor().elements)
        }
        guard let center = pieces(fit.theta) else { return nil }
        let steps = fit.theta.map { abs($0) < 1.78e-3 ? 1e-2 : 1e-2 * abs($0) }
        /// Richardson extrapolation of values at steps h, h/2, h/4, h/8 whose error is a series in h².
        func extrapolate(_ values: [[Double]]) -> [Double] {
            var table = values
            for level in 1..<table.count {
                let factor = pow(4.0, Double(level))
                for j in 0..<(table.count - level) {
                    table[j] = zip(table[j + 1], table[j]).map { (factor * $0 - $1) / (factor - 1) }
                }
            }
            return table[0]
        }
        // F(θ) = (a, P, C…) at θ + Σ shifts; first and second differences of it in θ.
        func values(_ shifts: [(Int, Double)]) -> [Double]? {
            var theta = fit.theta
            for (i, h) in shifts { theta[i] += h }
            return pieces(theta).map { [$0.a, $0.p] + $0.c }
        }
        let f0 = [center.a, center.p] + center.c
        var gradient = [[Double]](repeating: [], count: k)      // ∂F/∂θᵢ
        var second = [[Double]](repeating: [], count: k * k)    // ∂²F/∂θᵢ∂θⱼ, F = (a, P) only
        for i in 0..<k {
            var first: [[Double]] = [], curvature: [[Double]] = []
            for level in 0..<4 {
                let h = steps[i] / pow(2, Double(level))
                guard let plus = values([(i, h)]), let minus = values([(i, -h)]) else { return nil }
                first.append(zip(plus, minus).map { ($0 - $1) / (2 * h) })
                curvature.append((0..<2).map { (plus[$0] - 2 * f0[$0] + minus[$0]) / (h * h) })
            }
            gradient[i] = extrapolate(first)
            second[i + i * k] = extrapolate(curvature)
        }
        for i in 0..<k {
            for j in 0..<i {
                var mixed: [[Double]] = []
                for level in 0..<4 {
                    let hi = steps[i] / pow(2, Double(level)), hj = steps[j] / pow(2, Double(level))
                    guard let pp = values([(i, hi), (j, hj)]), let pm = values([(i, hi), (j, -hj)]),
                          let mp = values([(i, -hi), (j, hj)]), let mm = values([(i, -hi), (j, -hj)])
                    else { return nil }
                    mixed.append((0..<2).map { (pp[$0] - pm[$0] - mp[$0] + mm[$0]) / (4 * hi * hj) })
                }
                second[i + j * k] = extrapolate(mixed)
                second[j + i * k] = second[i + j * k]
            }
        }
        // H over φ = (θ, σ), then A = 2H⁻¹.
        let size = k + 1
        var hessian = [Double](repeating: 0, count: size * size)
        for i in 0..<k {
            for j in 0..<k { hessian[i + j * size] = second[i + j * k][0] + second[i + j * k][1] / s2 }
            let cross = -2 * gradient[i][1] / (s2 * sigma)
            hessian[i + k * size] = cross
            hessian[k + i * size] = cross
        }
        hessian[k + k * size] = 6 * center.p / (s2 * s2) - 2 * m / s2
        guard let inverse = CholeskyInverse.inverseOfPositiveDefinite(hessian, n: size) else { return nil }
        a = inverse.map { 2 * $0 }
        // V = σ²C; ∂V/∂θᵢ = σ² ∂C/∂θᵢ, ∂V/∂σ = 2σC.
        let c = Array(f0[2...])
        covariance = c.map { s2 * $0 }
        derivatives = (0..<k).map { i in gradient[i][2...].map { s2 * $0 } } + [c.map { 2 * sigma * $0 }]
    }
}
