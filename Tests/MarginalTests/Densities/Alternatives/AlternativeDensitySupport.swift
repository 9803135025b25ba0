import Foundation
import Testing
@testable import Marginal

/// Models, dense O(N³) reference formulas and a finite-difference check for the tests of the
/// one-class and joint densities.
enum AlternativeDensitySupport {
    // MARK: Models from the bundled CSVs (with the schema's level orders, as lme4 has them)

    static func model(_ file: String, dataset: String, formula: String) throws -> LinearMixedModel {
        var options = CSVOptions()
        options.levelOrders = try ReferenceSchema.levelOrders(dataset: dataset)
        let data = try CSVReader.read(path: FormulaTestData.examplesDirectory.appendingPathComponent(file).path, options: options)
        return try LinearMixedModel(formula: formula, data: data)
    }

    static func sleepstudy() throws -> LinearMixedModel {
        try model("sleepstudy.csv", dataset: "sleepstudy", formula: "Reaction ~ 1 + Days + (1 + Days | Subject)")
    }

    static func sleepstudyZeroCorrelation() throws -> LinearMixedModel {
        try model("sleepstudy.csv", dataset: "sleepstudy", formula: "Reaction ~ 1 + Days + (1 | Subject) + (0 + Days | Subject)")
    }

    static func penicillin() throws -> LinearMixedModel {
        try model("Penicillin.csv", dataset: "Penicillin", formula: "diameter ~ 1 + (1 | plate) + (1 | sample)")
    }

    static func crossedSlopes() throws -> LinearMixedModel {
        try model("crossed_slopes.csv", dataset: "crossed_slopes", formula: "y ~ 1 + x + f + (1 + x | g1) + (1 | g2)")
    }

    /// No intercept in X and a one-column block whose z is not 1: the general scalar passes.
    static func crossedSlopesWithoutIntercepts() throws -> LinearMixedModel {
        try model("crossed_slopes.csv", dataset: "crossed_slopes", formula: "y ~ 0 + x + (0 + x | g1) + (1 | g2)")
    }

    // MARK: Test points

    /// Global coordinates near a plausible posterior: β = ML-ish values given, log σ, log SDs
    /// and correlation coordinates from `rest` (in layout order after log σ).
    static func globals(beta: [Double], sigma: Double, rest: [Double]) -> [Double] {
        beta + [log(sigma)] + rest
    }

    /// `count` standard normal values from a fixed seed.
    static func normals(_ count: Int, seed: UInt64) -> [Double] {
        var random = RandomSource(seed: seed)
        return (0..<count).map { _ in random.normal() }
    }

    /// log prior + log Jacobian of the layout at the global coordinates of x.
    static func priorTerms(_ layout: MixedModelParameterization, _ x: [Double]) -> Double {
        let xg = Array(x.prefix(layout.dimension))
        var globals = layout.makeGlobals()
        layout.decode(xg, into: &globals)
        var gradient = [Double](repeating: 0, count: layout.dimension)
        return layout.completeGradient(xg, globals: &globals, sigmaAdjoint: 0, gradient: &gradient)
    }

    /// Decoded globals (β, σ, T_k) at the global coordinates of x.
    static func decoded(_ layout: MixedModelParameterization, _ x: [Double]) -> GlobalParameters {
        var globals = layout.makeGlobals()
        layout.decode(Array(x.prefix(layout.dimension)), into: &globals)
        return globals
    }

    // MARK: Dense linear algebra (flat row-major n × n)

    /// Σ = T Tᵀ for a column-major S × S T, as a dense row-major matrix.
    static func covariance(_ t: [Double], size s: Int) -> [Double] {
        var sigma = [Double](repeating: 0, count: s * s)
        for a in 0..<s {
            for b in 0..<s {
                for c in 0..<s { sigma[a * s + b] += t[a + c * s] * t[b + c * s] }
            }
        }
        return sigma
    }

    /// The dense n × ℓS matrix Z of one engine block (row-major), column l·S + a for level l,
    /// column a.
    static func denseZ(_ block: RandomEffectBlock, rows n: Int) -> [Double] {
        let s = block.dimension
        let q = block.levelCount * s
        var z = [Double](repeating: 0, count: n * q)
        for i in 0..<n {
            for a in 0..<s { z[i * q + Int(block.codes[i]) * s + a] = block.z[a, i] }
        }
        return z
    }

    /// V = σ²I + Z (I_ℓ ⊗ Σ) Zᵀ for one block, dense n × n.
    static func marginalCovariance(_ block: RandomEffectBlock, sigma: Double, factor t: [Double], rows n: Int) -> [Double] {
        let s = block.dimension
        let cov = covariance(t, size: s)
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            v[i * n + i] = sigma * sigma
            for j in 0..<n where block.codes[i] == block.codes[j] {
                var sum = 0.0
                for a in 0..<s {
                    for b in 0..<s { sum += block.z[a, i] * cov[a * s + b] * block.z[b, j] }
                }
                v[i * n + j] += sum
            }
        }
        return v
    }

    /// Lower Cholesky factor of a dense symmetric positive-definite n × n matrix (row-major).
    static func cholesky(_ a: [Double], size n: Int) -> [Double] {
        var l = [Double](repeating: 0, count: n * n)
        l.withUnsafeMutableBufferPointer { lp in
            a.withUnsafeBufferPointer { ap in
                for j in 0..<n {
                    var d = ap[j * n + j]
                    for k in 0..<j { d -= lp[j * n + k] * lp[j * n + k] }
                    let ljj = d.squareRoot()
                    lp[j * n + j] = ljj
                    for i in (j + 1)..<n {
                        var sum = ap[i * n + j]
                        for k in 0..<j { sum -= lp[i * n + k] * lp[j * n + k] }
                        lp[i * n + j] = sum / ljj
                    }
                }
            }
        }
        return l
    }

    /// L⁻¹ b for a dense lower-triangular L (row-major).
    static func forwardSolve(_ l: [Double], _ b: [Double]) -> [Double] {
        let n = b.count
        var x = b
        for i in 0..<n {
            for k in 0..<i { x[i] -= l[i * n + k] * x[k] }
            x[i] /= l[i * n + i]
        }
        return x
    }

    /// L⁻ᵀ b for a dense lower-triangular L (row-major).
    static func backSolve(_ l: [Double], _ b: [Double]) -> [Double] {
        let n = b.count
        var x = b
        for i in stride(from: n - 1, through: 0, by: -1) {
            for k in (i + 1)..<n { x[i] -= l[k * n + i] * x[k] }
            x[i] /= l[i * n + i]
        }
        return x
    }

    /// log N(r; 0, V) by a dense Cholesky factorization of V.
    static func logNormal(_ r: [Double], covariance v: [Double]) -> Double {
        let n = r.count
        let l = cholesky(v, size: n)
        let w = forwardSolve(l, r)
        var logDet = 0.0
        for i in 0..<n { logDet += 2 * log(l[i * n + i]) }
        return -0.5 * Double(n) * log(2 * Double.pi) - 0.5 * logDet - 0.5 * w.reduce(0) { $0 + $1 * $1 }
    }

    /// y − Xβ − Σ over `blocks` of Z_k b_k, with b_k level-major (ℓ × S).
    static func residual(_ model: LinearMixedModel, beta: [Double], effects: [(block: Int, b: [Double])]) -> [Double] {
        let design = model.design
        var r = design.response
        for i in 0..<design.nobs {
            for j in 0..<design.fixedEffects.p { r[i] -= design.fixedEffects.matrix[i, j] * beta[j] }
            for (k, b) in effects {
                let block = model.blocks[k]
                let level = Int(block.codes[i])
                for a in 0..<block.dimension { r[i] -= block.z[a, i] * b[level * block.dimension + a] }
            }
        }
        return r
    }

    /// A flat vector of all random effects (engine order) split block by block.
    static func split(_ flat: [Double], _ model: LinearMixedModel) -> [[Double]] {
        var offset = 0
        return model.blocks.map { block in
            defer { offset += block.effectCount }
            return Array(flat[offset..<(offset + block.effectCount)])
        }
    }

    /// b = T z level by level for a column-major S × S lower T.
    static func scaled(_ z: [Double], factor t: [Double], size s: Int) -> [Double] {
        var b = [Double](repeating: 0, count: z.count)
        for level in 0..<(z.count / s) {
            for a in 0..<s {
                for c in 0...a { b[level * s + a] += t[a + c * s] * z[level * s + c] }
            }
        }
        return b
    }

    // MARK: Finite differences

    /// Checks the analytic gradient of `density` at x against a central five-point
    /// finite difference in every coordinate: |g − fd| ≤ tolerance · max(|fd|, 1).
    static func expectGradientMatchesFiniteDifferences<D: LogDensity>(
        _ density: inout D, at x: [Double], tolerance: Double = 1e-6, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        var gradient = [Double](repeating: 0, count: density.dimension)
        let value = density.logDensity(at: x, gradient: &gradient)
        #expect(value.isFinite, sourceLocation: sourceLocation)
        var scratch = gradient
        var worst = (index: -1, error: 0.0)
        for i in 0..<x.count {
            let h = 1e-4 * max(1, abs(x[i]))
            func f(_ step: Double) -> Double {
                var point = x
                point[i] += step
                return density.logDensity(at: point, gradient: &scratch)
            }
            let fd = (f(-2 * h) - 8 * f(-h) + 8 * f(h) - f(2 * h)) / (12 * h)
            let error = abs(gradient[i] - fd) / max(abs(fd), 1)
            if error > worst.error { worst = (i, error) }
        }
        #expect(worst.error <= tolerance, "coordinate \(worst.index): relative error \(worst.error)", sourceLocation: sourceLocation)
    }
}
