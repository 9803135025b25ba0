import CLapack
import Foundation
@testable import Marginal

/// The linear mixed model in dense form, y − o ~ N(Xβ, V) with V = σ²W⁻¹ + Z Σ Zᵀ built explicitly
/// (n × n) from the model's random-effect blocks: the independent O(n³) reference for the
/// marginalized density and for the conditional distribution of the random effects,
///
///     b | y ~ N(Σ Zᵀ V⁻¹ (y − Xβ), Σ − Σ Zᵀ V⁻¹ Z Σ).
///
/// Columns of Z follow the engine's order (block after block, level-major), as the recovery does.
struct DenseMarginalModel {
    let n: Int
    let p: Int
    let q: Int
    let x: Matrix
    /// The response less the offset.
    let y: [Double]
    /// Prior weights (1 without).
    let weights: [Double]
    /// n × q, column-major.
    let z: [Double]
    /// (levels, S) per block.
    let blocks: [(levels: Int, dimension: Int)]

    init(_ model: LinearMixedModel) {
        n = model.design.nobs
        p = model.design.fixedEffects.p
        x = model.design.fixedEffects.matrix
        y = model.design.responseLessOffset
        weights = model.design.weights ?? Array(repeating: 1, count: model.design.nobs)
        blocks = model.blocks.map { ($0.levelCount, $0.dimension) }
        q = blocks.reduce(0) { $0 + $1.levels * $1.dimension }
        var z = [Double](repeating: 0, count: n * q)
        var offset = 0
        for block in model.blocks {
            let s = block.dimension
            for i in 0..<n {
                let level = Int(block.codes[i])
                for a in 0..<s { z[i + (offset + level * s + a) * n] = block.z[a, i] }
            }
            offset += block.levelCount * s
        }
        self.z = z
    }

    /// Σ = blockdiag(Tₖ Tₖᵀ per level), q × q.
    func randomEffectCovariance(factors: [[Double]]) -> [Double] {
        var sigma = [Double](repeating: 0, count: q * q)
        var offset = 0
        for (k, block) in blocks.enumerated() {
            let s = block.dimension
            let t = factors[k]
            for level in 0..<block.levels {
                let base = offset + level * s
                for a in 0..<s {
                    for b in 0..<s {
                        var sum = 0.0
                        for c in 0..<s { sum += t[a + c * s] * t[b + c * s] }
                        sigma[(base + a) + (base + b) * q] = sum
                    }
                }
            }
            offset += block.levels * s
        }
        return sigma
    }

    /// Z·blockdiag(Bₖ per level) for per-block S × S matrices B (n × q).
    func zTimes(_ factors: [[Double]], transposed: Bool = false) -> [Double] {
        var result = [Double](repeating: 0, count: n * q)
        var offset = 0
        for (k, block) in blocks.enumerated() {
            let s = block.dimension
            let b = factors[k]
            for level in 0..<block.levels {
                let base = offset + level * s
                for t in 0..<s {
                    for a in 0..<s {
                        let value = transposed ? b[t + a * s] : b[a + t * s]
                        if value == 0 { continue }
                        for i in 0..<n { result[i + (base + t) * n] += z[i + (base + a) * n] * value }
                    }
                }
            }
            offset += block.levels * s
        }
        return result
    }

    /// Lower Cholesky factor of V = σ²W⁻¹ + ZΣZᵀ = σ²W⁻¹ + (ZT)(ZT)ᵀ (n × n, column-major, lower).
    func covarianceFactor(sigma: Double, factors: [[Double]]) -> [Double] {
        let zt = zTimes(factors)
        var v = [Double](repeating: 0, count: n * n)
        v.withUnsafeMutableBufferPointer { vp in
            zt.withUnsafeBufferPointer { BLAS.syrkLower(n: n, k: q, alpha: 1, a: $0.baseAddress!, lda: n, beta: 0, c: vp.baseAddress!, ldc: n) }
            for i in 0..<n { vp[i + i * n] += sigma * sigma / weights[i] }
            let ok = LAPACK.choleskyLower(n: n, a: vp.baseAddress!, lda: n)
            precondition(ok, "V is not positive definite")
        }
        return v
    }

    /// log N(y; Xβ, V).
    func logLikelihood(beta: [Double], sigma: Double, factors: [[Double]]) -> Double {
        let l = covarianceFactor(sigma: sigma, factors: factors)
        let e = forwardSolve(l, residual(beta))
        var value = -0.5 * Double(n) * log(2 * Double.pi)
        for i in 0..<n { value -= log(l[i + i * n]) }
        return value - 0.5 * e.reduce(0) { $0 + $1 * $1 }
    }

    /// Mean and covariance (q × q) of b | y: with A = L⁻¹ZΣ and e = L⁻¹(y − Xβ),
    /// E[b | y] = Aᵀe and Cov(b | y) = Σ − AᵀA.
    func conditional(beta: [Double], sigma: Double, factors: [[Double]]) -> (mean: [Double], covariance: [Double]) {
        let l = covarianceFactor(sigma: sigma, factors: factors)
        // ZΣ = (ZT)·blockdiag(Tᵀ).
        let zt = zTimes(factors)
        var a = [Double](repeating: 0, count: n * q)
        var offset = 0
        for (k, block) in blocks.enumerated() {
            let s = block.dimension
            let t = factors[k]
            for level in 0..<block.levels {
                let base = offset + level * s
                for c in 0..<s {
                    for m in 0..<s where t[c + m * s] != 0 {
                        for i in 0..<n { a[i + (base + c) * n] += zt[i + (base + m) * n] * t[c + m * s] }
                    }
                }
            }
            offset += block.levels * s
        }
        a.withUnsafeMutableBufferPointer { ap in
            l.withUnsafeBufferPointer { lp in
                cblas_dtrsm(CblasColMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit,
                            blasint(n), blasint(q), 1, lp.baseAddress!, blasint(n), ap.baseAddress!, blasint(n))
            }
        }
        let e = forwardSolve(l, residual(beta))
        var mean = [Double](repeating: 0, count: q)
        var result = randomEffectCovariance(factors: factors)
        a.withUnsafeBufferPointer { ap in
            e.withUnsafeBufferPointer { ep in
                mean.withUnsafeMutableBufferPointer { mp in
                    cblas_dgemv(CblasColMajor, CblasTrans, blasint(n), blasint(q), 1, ap.baseAddress!, blasint(n),
                                ep.baseAddress!, 1, 0, mp.baseAddress!, 1)
                }
            }
            result.withUnsafeMutableBufferPointer { rp in
                cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, blasint(q), blasint(q), blasint(n), -1,
                            ap.baseAddress!, blasint(n), ap.baseAddress!, blasint(n), 1, rp.baseAddress!, blasint(q))
            }
        }
        return (mean, result)
    }

    func residual(_ beta: [Double]) -> [Double] {
        (0..<n).map { i in y[i] - (0..<p).reduce(0) { $0 + x[i, $1] * beta[$1] } }
    }

    func forwardSolve(_ l: [Double], _ b: [Double]) -> [Double] {
        var v = b
        v.withUnsafeMutableBufferPointer { vp in
            l.withUnsafeBufferPointer { cblas_dtrsv(CblasColMajor, CblasLower, CblasNoTrans, CblasNonUnit, blasint(n), $0.baseAddress!, blasint(n), vp.baseAddress!, 1) }
        }
        return v
    }
}

/// Models from the bundled Examples CSVs through the user's pipeline (CSV reader with the
/// schema's factor level orders, formula), for the density tests.
enum DensityTestModels {
    static func model(_ file: String, dataset: String, formula: String) throws -> LinearMixedModel {
        var options = CSVOptions()
        options.levelOrders = try ReferenceSchema.levelOrders(dataset: dataset)
        let data = try CSVReader.read(path: FormulaTestData.examplesDirectory.appendingPathComponent(file).path, options: options)
        // Examples/nested.csv carries prior weights in `w`; its cases use them.
        let design = DesignOptions(weights: file == "nested.csv" ? "w" : nil)
        return try LinearMixedModel(formula: formula, data: data, options: design)
    }

    /// The designs the density tests run on: correlated slopes, two parts on one factor,
    /// crossed, nested, and crossed with a correlated first block or a correlated trailing block.
    static let cases: [(name: String, file: String, dataset: String, formula: String)] = [
        ("sleepstudy", "sleepstudy.csv", "sleepstudy", "Reaction ~ 1 + Days + (1 + Days | Subject)"),
        ("sleepstudy zerocorr", "sleepstudy.csv", "sleepstudy", "Reaction ~ 1 + Days + (1 | Subject) + (0 + Days | Subject)"),
        ("penicillin", "Penicillin.csv", "Penicillin", "diameter ~ 1 + (1 | plate) + (1 | sample)"),
        ("pastes", "Pastes.csv", "Pastes", "strength ~ 1 + (1 | batch/cask)"),
        ("crossed slopes", "crossed_slopes.csv", "crossed_slopes", "y ~ 1 + x + f + (1 + x | g1) + (1 | g2)"),
        ("trailing slopes", "crossed_slopes.csv", "crossed_slopes", "y ~ 1 + x + (1 | g1) + (1 + x | g2)"),
        // One grouping factor: balanced (one class of levels), unequal group sizes, and
        // continuous slopes (a class per level), see `LevelClasses`.
        ("dyestuff", "Dyestuff.csv", "Dyestuff", "Yield ~ 1 + (1 | Batch)"),
        ("unequal groups", "crossed_slopes.csv", "crossed_slopes", "y ~ 1 + x + f + (1 | g2)"),
        ("single slopes", "crossed_slopes.csv", "crossed_slopes", "y ~ 1 + x + (1 + x | g1)"),
        ("three slopes", "three_slopes.csv", "three_slopes", "y ~ 1 + x1 + x2 + (1 + x1 + x2 | g)"),
        // Nested blocks that stay sparse (``CrossProducts``), with prior weights and an offset:
        // three levels; a correlated slope on the outer factor; nested and then crossed with a
        // dense block after the nested ones.
        ("three levels", "nested.csv", "nested", "y ~ 1 + x + offset(off) + (1 | region/school/class)"),
        ("nested slopes", "nested.csv", "nested", "y ~ 1 + x + (1 + x | school) + (1 | class)"),
        ("nested and crossed", "nested.csv", "nested", "y ~ 1 + x + offset(off) + (1 | school/class) + (1 | rater)"),
    ]

    static func model(named name: String) throws -> LinearMixedModel {
        let entry = cases.first { $0.name == name }!
        return try model(entry.file, dataset: entry.dataset, formula: entry.formula)
    }

    /// x at the ML estimate of a model (β̂, σ̂, T̂ = σ̂ λ̂).
    static func maximumLikelihoodPoint(_ model: LinearMixedModel, _ layout: MixedModelParameterization) throws -> [Double] {
        let fit = try model.fit(criterion: .ml)
        var offset = 0
        var factors: [[Double]] = []
        for block in model.blocks {
            let count = block.factor.parameterCount
            let lambda = block.factor.lambda(theta: Array(fit.theta[offset..<(offset + count)]))
            offset += count
            factors.append(lambda.elements.map { $0 * fit.sigma })
        }
        return layout.unconstrained(beta: fit.fixedEffects.map(\.estimate), sigma: fit.sigma, factors: factors)
    }

    /// The ML point of every case, fitted once, keyed by the layout's parameter names.
    static let maximumLikelihoodPoints: [String: [Double]] = {
        var points: [String: [Double]] = [:]
        for entry in cases {
            guard let model = try? model(entry.file, dataset: entry.dataset, formula: entry.formula) else { continue }
            let layout = MixedModelParameterization(model: model)
            points[layout.fixedNames.joined() + layout.parameterNames.joined()] = try? maximumLikelihoodPoint(model, layout)
        }
        return points
    }()

    /// Points around `center`: each coordinate moved by a uniform amount in ±`spread`.
    static func points(around center: [Double], count: Int, spread: Double, seed: UInt64) -> [[Double]] {
        var random = RandomSource(seed: seed)
        return (0..<count).map { _ in center.map { $0 + spread * (2 * random.uniform() - 1) } }
    }

    /// Central differences of f with a five-point stencil (error O(h⁴)).
    static func finiteDifferenceGradient(_ x: [Double], step: Double = 1e-3, _ f: ([Double]) -> Double) -> [Double] {
        x.indices.map { i in
            func at(_ t: Double) -> Double {
                var moved = x
                moved[i] += t
                return f(moved)
            }
            let h = step * max(1, abs(x[i]))
            return (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h)
        }
    }
}
