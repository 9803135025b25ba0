import Foundation
@testable import Marginal

/// Dense O(n³) reference computations for the known-covariance tests: the marginal covariance
/// V = σ²I + Z Σ_u Zᵀ built entry by entry from the design's terms, its Cholesky factor, the
/// Gaussian log density and the conditional distribution of b, sharing nothing with the eigen
/// route but the design. Matrices are column-major `[Double]`.
enum KnownCovarianceReference {
    /// Z (n × D) in the density's layout of b, and Σ_u (D × D), for one covariance factor T per
    /// group (S × S column-major).
    static func randomEffectMatrices(design: ModelDesign, layout: RandomEffectsLayout,
                                     factors: [String: [Double]]) -> (z: [Double], sigma: [Double], d: Int) {
        let n = design.nobs
        let d = layout.count
        var z = [Double](repeating: 0, count: n * d)
        var sigma = [Double](repeating: 0, count: d * d)
        for group in layout.groups {
            let terms = design.randomEffects.filter { $0.group == group.group }
            let s = group.columnNames.count
            let t = factors[group.group]!
            for i in 0..<n {
                var a = 0
                for term in terms {
                    for c in 0..<term.dimension {
                        z[i + (group.offset + Int(term.codes[i]) * s + a) * n] = term.z[c, i]
                        a += 1
                    }
                }
            }
            for level in 0..<group.levels.count {
                let base = group.offset + level * s
                for a in 0..<s {
                    for b in 0..<s {
                        var sum = 0.0
                        for k in 0..<s { sum += t[a + k * s] * t[b + k * s] }
                        sigma[(base + a) + (base + b) * d] = sum
                    }
                }
            }
        }
        return (z, sigma, d)
    }

    /// C = A B for A (m × k) and B (k × n), skipping zeros of A.
    static func multiply(_ a: [Double], _ b: [Double], m: Int, k: Int, n: Int) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    for j in 0..<n {
                        for l in 0..<k where b[l + j * k] != 0 {
                            let factor = b[l + j * k]
                            for i in 0..<m where a[i + l * m] != 0 { c[i + j * m] += a[i + l * m] * factor }
                        }
                    }
                }
            }
        }
        return c
    }

    static func transpose(_ a: [Double], rows: Int, columns: Int) -> [Double] {
        var t = [Double](repeating: 0, count: a.count)
        for j in 0..<columns {
            for i in 0..<rows { t[j + i * columns] = a[i + j * rows] }
        }
        return t
    }

    /// The lower Cholesky factor L of V = σ²I + Z Σ Zᵀ (LAPACK dpotrf through the engine's wrapper).
    static func marginalFactor(z: [Double], sigmaU: [Double], n: Int, d: Int, residualSD: Double) -> [Double] {
        let zSigma = multiply(z, sigmaU, m: n, k: d, n: d)
        var v = multiply(zSigma, transpose(z, rows: n, columns: d), m: n, k: d, n: n)
        for i in 0..<n { v[i + i * n] += residualSD * residualSD }
        let ok = v.withUnsafeMutableBufferPointer { LAPACK.choleskyLower(n: n, a: $0.baseAddress!, lda: n) }
        precondition(ok, "V is not positive definite")
        return v
    }

    /// V⁻¹ b with V = L Lᵀ (L in the lower triangle of `l`).
    static func solve(_ l: [Double], _ b: [Double], n: Int) -> [Double] {
        var x = b
        l.withUnsafeBufferPointer { l in
            x.withUnsafeMutableBufferPointer { x in
                for i in 0..<n {
                    var sum = x[i]
                    for k in 0..<i { sum -= l[i + k * n] * x[k] }
                    x[i] = sum / l[i + i * n]
                }
                for i in stride(from: n - 1, through: 0, by: -1) {
                    var sum = x[i]
                    for k in (i + 1)..<n { sum -= l[k + i * n] * x[k] }
                    x[i] = sum / l[i + i * n]
                }
            }
        }
        return x
    }

    static func residual(design: ModelDesign, beta: [Double]) -> [Double] {
        let x = design.fixedEffects.matrix
        return (0..<design.nobs).map { i in design.response[i] - (0..<beta.count).reduce(0) { $0 + x[i, $1] * beta[$1] } }
    }

    /// log N(y; Xβ, V).
    static func logLikelihood(design: ModelDesign, layout: RandomEffectsLayout,
                              factors: [String: [Double]], beta: [Double], sigma: Double) -> Double {
        let n = design.nobs
        let (z, sigmaU, d) = randomEffectMatrices(design: design, layout: layout, factors: factors)
        let l = marginalFactor(z: z, sigmaU: sigmaU, n: n, d: d, residualSD: sigma)
        let r = residual(design: design, beta: beta)
        let quadratic = zip(r, solve(l, r, n: n)).reduce(0) { $0 + $1.0 * $1.1 }
        let logDet = 2 * (0..<n).reduce(0) { $0 + log(l[$1 + $1 * n]) }
        return -0.5 * (Double(n) * log(2 * Double.pi) + logDet + quadratic)
    }

    /// The conditional b | y, β, σ ~ N(ΣZᵀV⁻¹r, Σ − ΣZᵀV⁻¹ZΣ); the covariance is D × D column-major.
    static func conditional(design: ModelDesign, layout: RandomEffectsLayout,
                            factors: [String: [Double]], beta: [Double], sigma: Double) -> (mean: [Double], covariance: [Double]) {
        let n = design.nobs
        let (z, sigmaU, d) = randomEffectMatrices(design: design, layout: layout, factors: factors)
        let l = marginalFactor(z: z, sigmaU: sigmaU, n: n, d: d, residualSD: sigma)
        let r = residual(design: design, beta: beta)
        let zSigma = multiply(z, sigmaU, m: n, k: d, n: d)  // n × D
        let sigmaZt = transpose(zSigma, rows: n, columns: d)  // D × n
        let mean = multiply(sigmaZt, solve(l, r, n: n), m: d, k: n, n: 1)
        var vInverseZSigma = [Double](repeating: 0, count: n * d)
        for j in 0..<d {
            let column = solve(l, Array(zSigma[(j * n)..<((j + 1) * n)]), n: n)
            for i in 0..<n { vInverseZSigma[i + j * n] = column[i] }
        }
        let reduction = multiply(sigmaZt, vInverseZSigma, m: d, k: n, n: d)
        return (mean, zip(sigmaU, reduction).map { $0 - $1 })
    }

    /// log N(x; μ, sd²) and the half-normal log density, written out.
    static func normalLogDensity(_ x: Double, mean: Double, sd: Double) -> Double {
        -0.5 * ((x - mean) / sd) * ((x - mean) / sd) - log(sd) - 0.5 * log(2 * Double.pi)
    }

    static func halfNormalLogDensity(_ x: Double, sd: Double) -> Double {
        normalLogDensity(x, mean: 0, sd: sd) + log(2)
    }

    /// A design with more random effects than rows: 10 rows, factor g with 8 levels, factor h
    /// with 7 (D = 15 > n = 10), and a covariate x.
    static func wideDesign() -> ModelDesign {
        let g = ["a", "b", "c", "d", "e", "f", "g", "h", "a", "b"]
        let h = ["1", "2", "3", "4", "5", "6", "7", "1", "2", "3"]
        let x = [0.3, -1.2, 0.8, 2.1, -0.4, 1.5, 0.0, -2.2, 0.9, 1.1]
        let y = [1.3, -0.7, 2.2, 3.9, 0.1, 2.8, 1.0, -1.5, 2.4, 1.7]
        let ones = [Double](repeating: 1, count: 10)
        return HandBuiltDesigns.design(formula: "", response: "y", y: y, x: [("(Intercept)", ones), ("x", x)], terms: [
            HandBuiltDesigns.term(group: "g", labels: g, columns: ["(Intercept)"], z: [ones]),
            HandBuiltDesigns.term(group: "h", labels: h, columns: ["(Intercept)"], z: [ones]),
        ])
    }
}
