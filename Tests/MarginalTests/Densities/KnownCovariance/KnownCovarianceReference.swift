import Foundation
@testable import Marginal

/// Dense O(n³) reference computations for the known-covariance tests: the marginal covariance
/// V = σ²I + Z Σ_u Zᵀ built element by element from the design's terms, its Cholesky factor, the
/// Gaussian log density and the conditional distribution of b, with nothing shared with the
/// eigen route but the design.
enum KnownCovarianceReference {
    /// Z (n × D, row-major arrays) in the density's layout of b, and Σ_u (D × D), for one
    /// covariance factor T per group (S × S column-major).
    static func randomEffectMatrices(design: ModelDesign, groups: [KnownCovarianceDensity.RandomEffectGroup],
                                     factors: [String: [Double]]) -> (z: [[Double]], sigma: [[Double]]) {
        let n = design.nobs
        let d = groups.reduce(0) { $0 + $1.count }
        var z = [[Double]](repeating: [Double](repeating: 0, count: d), count: n)
        var sigma = [[Double]](repeating: [Double](repeating: 0, count: d), count: d)
        for group in groups {
            let terms = design.randomEffects.filter { $0.group == group.group }
            let s = group.columnNames.count
            let t = factors[group.group]!
            for i in 0..<n {
                var a = 0
                for term in terms {
                    for c in 0..<term.dimension {
                        z[i][group.offset + Int(term.codes[i]) * s + a] = term.z[c, i]
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
                        sigma[base + a][base + b] = sum
                    }
                }
            }
        }
        return (z, sigma)
    }

    static func multiply(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
        let inner = b.count
        let columns = b.first?.count ?? 0
        return a.map { row in (0..<columns).map { j in (0..<inner).reduce(0) { $0 + row[$1] * b[$1][j] } } }
    }

    static func transpose(_ a: [[Double]]) -> [[Double]] {
        guard let columns = a.first?.count else { return [] }
        return (0..<columns).map { j in a.map { $0[j] } }
    }

    /// Lower Cholesky factor.
    static func cholesky(_ a: [[Double]]) -> [[Double]] {
        let n = a.count
        var l = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for j in 0..<n {
            var d = a[j][j]
            for k in 0..<j { d -= l[j][k] * l[j][k] }
            l[j][j] = d.squareRoot()
            for i in (j + 1)..<n {
                var s = a[i][j]
                for k in 0..<j { s -= l[i][k] * l[j][k] }
                l[i][j] = s / l[j][j]
            }
        }
        return l
    }

    /// A⁻¹ b for symmetric positive-definite A = L Lᵀ.
    static func solve(_ l: [[Double]], _ b: [Double]) -> [Double] {
        let n = b.count
        var x = b
        for i in 0..<n {
            for k in 0..<i { x[i] -= l[i][k] * x[k] }
            x[i] /= l[i][i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            for k in (i + 1)..<n { x[i] -= l[k][i] * x[k] }
            x[i] /= l[i][i]
        }
        return x
    }

    /// V = σ²I + Z Σ Zᵀ.
    static func marginalCovariance(z: [[Double]], sigmaU: [[Double]], residualSD: Double) -> [[Double]] {
        var v = multiply(multiply(z, sigmaU), transpose(z))
        for i in 0..<v.count { v[i][i] += residualSD * residualSD }
        return v
    }

    static func residual(design: ModelDesign, beta: [Double]) -> [Double] {
        let x = design.fixedEffects.matrix
        return (0..<design.nobs).map { i in design.response[i] - (0..<beta.count).reduce(0) { $0 + x[i, $1] * beta[$1] } }
    }

    /// log N(y; Xβ, V).
    static func logLikelihood(design: ModelDesign, groups: [KnownCovarianceDensity.RandomEffectGroup],
                              factors: [String: [Double]], beta: [Double], sigma: Double) -> Double {
        let (z, sigmaU) = randomEffectMatrices(design: design, groups: groups, factors: factors)
        let v = marginalCovariance(z: z, sigmaU: sigmaU, residualSD: sigma)
        let l = cholesky(v)
        let r = residual(design: design, beta: beta)
        let quadratic = zip(r, solve(l, r)).reduce(0) { $0 + $1.0 * $1.1 }
        let logDet = 2 * (0..<v.count).reduce(0) { $0 + log(l[$1][$1]) }
        return -0.5 * (Double(v.count) * log(2 * Double.pi) + logDet + quadratic)
    }

    /// The conditional b | y, β, σ ~ N(ΣZᵀV⁻¹r, Σ − ΣZᵀV⁻¹ZΣ).
    static func conditional(design: ModelDesign, groups: [KnownCovarianceDensity.RandomEffectGroup],
                            factors: [String: [Double]], beta: [Double], sigma: Double) -> (mean: [Double], covariance: [[Double]]) {
        let (z, sigmaU) = randomEffectMatrices(design: design, groups: groups, factors: factors)
        let v = marginalCovariance(z: z, sigmaU: sigmaU, residualSD: sigma)
        let l = cholesky(v)
        let r = residual(design: design, beta: beta)
        let zSigma = multiply(z, sigmaU)  // n × D
        let sigmaZt = transpose(zSigma)  // D × n
        let vInverseR = solve(l, r)
        let mean = sigmaZt.map { row in zip(row, vInverseR).reduce(0) { $0 + $1.0 * $1.1 } }
        let vInverseZSigma = transpose(transpose(zSigma).map { solve(l, $0) })  // n × D
        let reduction = multiply(sigmaZt, vInverseZSigma)
        var covariance = sigmaU
        for i in 0..<covariance.count {
            for j in 0..<covariance.count { covariance[i][j] -= reduction[i][j] }
        }
        return (mean, covariance)
    }

    /// log N(x; μ, sd²) and log of the half-normal density, written out.
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
