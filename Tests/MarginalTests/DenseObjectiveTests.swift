import Foundation
import Testing
@testable import Marginal

/// The profiled objective against the dense O(N³) formula
/// −2 log N(y − o; Xβ̂, σ̂²(W⁻¹ + ZΛΛᵀZᵀ)) (and the REML analogue), computed with a plain Cholesky of
/// the n × n marginal covariance: an independent check of the blocked factorization.
@Suite struct DenseObjectiveTests {
    /// V₀ = W⁻¹ + ZΛΛᵀZᵀ for the model's blocks at θ (W the prior weights).
    static func marginalCovariance(_ model: LinearMixedModel, theta: [Double]) -> [[Double]] {
        let n = model.design.nobs
        var zl: [[Double]] = []  // columns of ZΛ
        var offset = 0
        for block in model.blocks {
            let count = block.factor.parameterCount
            let lambda = block.factor.lambda(theta: Array(theta[offset..<(offset + count)]))
            offset += count
            let s = block.dimension
            for level in 0..<block.levelCount {
                for t in 0..<s {
                    var column = [Double](repeating: 0, count: n)
                    for i in 0..<n where Int(block.codes[i]) == level {
                        for a in 0..<s { column[i] += block.z[a, i] * lambda[a, t] }
                    }
                    zl.append(column)
                }
            }
        }
        let weights = model.design.weights ?? Array(repeating: 1, count: n)
        var v = (0..<n).map { i in (0..<n).map { $0 == i ? 1 / weights[i] : 0.0 } }
        for column in zl {
            for i in 0..<n where column[i] != 0 {
                for j in 0..<n { v[i][j] += column[i] * column[j] }
            }
        }
        return v
    }

    /// Lower Cholesky factor of a symmetric positive-definite matrix.
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

    static func forwardSolve(_ l: [[Double]], _ b: [Double]) -> [Double] {
        var x = b
        for i in 0..<x.count {
            for k in 0..<i { x[i] -= l[i][k] * x[k] }
            x[i] /= l[i][i]
        }
        return x
    }

    /// The dense profiled objective: GLS β̂, σ̂² = r²/(n or n−p), then −2 log L (or −2 log L_R).
    static func denseObjective(_ model: LinearMixedModel, theta: [Double], criterion: FitCriterion) -> Double {
        let design = model.design
        let n = design.nobs
        let p = design.fixedEffects.p
        let l = cholesky(marginalCovariance(model, theta: theta))
        // Whitened y and X: L⁻¹y, L⁻¹X.
        let wy = forwardSolve(l, design.responseLessOffset)
        let wx = (0..<p).map { forwardSolve(l, design.fixedEffects.matrix.column($0)) }
        // Normal equations (X'V⁻¹X) β = X'V⁻¹y.
        let xtx = (0..<p).map { i in (0..<p).map { j in zip(wx[i], wx[j]).reduce(0) { $0 + $1.0 * $1.1 } } }
        let xty = (0..<p).map { i in zip(wx[i], wy).reduce(0) { $0 + $1.0 * $1.1 } }
        let lx = cholesky(xtx)
        let z = forwardSolve(lx, xty)
        var beta = z
        for i in stride(from: p - 1, through: 0, by: -1) {
            for k in (i + 1)..<p { beta[i] -= lx[k][i] * beta[k] }
            beta[i] /= lx[i][i]
        }
        var r2 = 0.0
        for i in 0..<n {
            var e = wy[i]
            for j in 0..<p { e -= wx[j][i] * beta[j] }
            r2 += e * e
        }
        let logDetV0 = 2 * (0..<n).reduce(0) { $0 + log(l[$1][$1]) }
        let dof = Double(criterion == .ml ? n : n - p)
        let sigma2 = r2 / dof
        // log|σ²V₀| + r²/σ² + n log 2π  (+ log|XᵀV⁻¹X| for REML, with V = σ²V₀)
        var value = logDetV0 + Double(n) * log(sigma2) + r2 / sigma2 + Double(n) * log(2 * Double.pi)
        if criterion == .reml {
            let logDetXtVinvX = 2 * (0..<p).reduce(0) { $0 + log(lx[$1][$1]) } - Double(p) * log(sigma2)
            value += logDetXtVinvX - Double(p) * log(2 * Double.pi)
        }
        return value
    }

    static let designs: [(String, @Sendable () throws -> ModelDesign)] = [
        ("sleepstudy", { try HandBuiltDesigns.sleepstudy() }),
        ("sleepstudy zerocorr", { try HandBuiltDesigns.sleepstudy(correlated: false) }),
        ("penicillin", { try HandBuiltDesigns.penicillin() }),
        ("pastes", { try HandBuiltDesigns.pastes() }),
        ("three levels", { try DensityTestModels.model(named: "three levels").design }),
        ("nested slopes", { try DensityTestModels.model(named: "nested slopes").design }),
        ("nested and crossed", { try DensityTestModels.model(named: "nested and crossed").design }),
        ("wide crossed", { try Self.wideCrossed() }),
    ]

    /// 300 rows over two crossed factors of 90 and 75 levels met at random, so that the dense
    /// block (75 + 3 rows) is past the panel-by-panel downdate's size and takes the column one.
    static func wideCrossed() throws -> ModelDesign {
        var random = RandomSource(seed: 21)
        var lines = ["y,x,g,h"]
        for row in 0..<300 {
            let g = row % 90, h = Int(random.uniform() * 75)
            let x = random.normal()
            lines.append("\(1 + 0.5 * x + random.normal()),\(x),g\(g),h\(h)")
        }
        let data = try CSVReader.read(bytes: Array((lines.joined(separator: "\n") + "\n").utf8))
        return try ModelDesign(formula: "y ~ 1 + x + (1 | g) + (1 | h)", data: data)
    }

    @Test func wideCrossedTakesTheColumnDowndate() throws {
        let model = try LinearMixedModel(design: Self.wideCrossed())
        #expect(model.products.denseSize > PenalizedLeastSquares.panelMajorSize)
        #expect(!model.products.firstPanelsAreComplete)
    }

    @Test(arguments: designs.map(\.0), [FitCriterion.ml, .reml])
    func blockedObjectiveEqualsDenseFormula(_ name: String, _ criterion: FitCriterion) throws {
        let design = try #require(Self.designs.first { $0.0 == name }).1()
        let model = try LinearMixedModel(design: design)
        // θ values away from the optimum, including off-diagonal elements and a zero.
        let thetas: [[Double]] = [
            model.initialTheta,
            model.initialTheta.enumerated().map { 0.3 + 0.2 * Double($0.offset) },
            model.initialTheta.enumerated().map { $0.offset == 0 ? 0 : 1.7 },
        ]
        for theta in thetas {
            let blocked = model.objective(theta: theta, criterion: criterion)
            let dense = Self.denseObjective(model, theta: theta, criterion: criterion)
            #expect(relativeError(blocked, dense) < 1e-10, "\(name) θ=\(theta): \(blocked) vs \(dense)")
        }
    }
}
