import Foundation
import Testing
@testable import Marginal

/// PIRLS on the blocked factor against an independent dense computation: the conditional modes
/// û from Newton's method on f(u) = −log p(y | η(u)) + ½‖u‖², η = o + Xβ + ZΛu, with ZΛ formed
/// as a dense n × q matrix, the gradient exact (ΛᵀZᵀ score − u) and the Hessian from central
/// differences of the score; then the Laplace deviance −2 log p(y | η̂) + ‖û‖² + log det(ΛᵀZᵀWZΛ + I)
/// with W the expected (Fisher) weights, as lme4 defines it, from a plain dense Cholesky.
@Suite struct PIRLSNewtonTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let file: String
        let factors: [String]
        let formula: String
        let family: String
        let link: Link
        let theta: [Double]
        let beta: [Double]
        var description: String { name }
    }

    static let cases = [
        Case(name: "crossed logit", file: "binary_crossed", factors: [], formula: "y ~ x1 + x2 + x3 + (1 | g1) + (1 | g2)",
             family: "binomial", link: .logit, theta: [0.8, 0.4], beta: [-0.45, 0.31, -0.31, 0.22]),
        Case(name: "random slope logit", file: "binary_slopes", factors: [], formula: "y ~ x + (1 + x | g)",
             family: "binomial", link: .logit, theta: [0.7, 0.15, 0.4], beta: [-0.3, 0.6]),
        Case(name: "probit", file: "cbpp", factors: ["period"], formula: "cbind(incidence, size - incidence) ~ period + (1 | herd)",
             family: "binomial", link: .probit, theta: [0.35], beta: [-0.8, -0.5, -0.6, -0.8]),
        Case(name: "poisson with offset", file: "cbpp", factors: ["period"], formula: "incidence ~ period + offset(log(size)) + (1 | herd)",
             family: "poisson", link: .log, theta: [0.5], beta: [-1.6, -0.8, -1.0, -1.4]),
    ]

    /// ZΛ as dense rows, columns in the engine's order (block by block, level-major, S per level).
    static func denseZLambda(_ model: GeneralizedLinearMixedModel, theta: [Double]) -> [[Double]] {
        let lambdas = model.thetaLayout.lambdas(theta)
        let q = model.blocks.reduce(0) { $0 + $1.effectCount }
        var rows = [[Double]](repeating: [Double](repeating: 0, count: q), count: model.design.nobs)
        var offset = 0
        for (k, block) in model.blocks.enumerated() {
            let s = block.dimension
            for i in 0..<model.design.nobs {
                let level = Int(block.codes[i])
                for a in 0..<s {
                    var value = 0.0
                    for b in 0..<s { value += block.z[b, i] * lambdas[k][b, a] }
                    rows[i][offset + level * s + a] = value
                }
            }
            offset += block.effectCount
        }
        return rows
    }

    @Test(arguments: cases)
    func pirlsEqualsDenseNewton(_ example: Case) throws {
        let design = try GeneralizedReferenceTests.design(example.formula, file: example.file, factors: example.factors)
        let model = try GeneralizedLinearMixedModel(design: design, family: try #require(ResponseFamilies.named(example.family)), link: example.link)
        var core = model.effectsOnly
        var state = model.startingState
        state.beta = example.beta
        try model.pirls(&core, theta: example.theta, state: &state, holdingBeta: true)
        let pirlsModes = Array(state.u.joined())
        let pirlsDeviance = model.laplaceDeviance(core, state: state)

        let zl = Self.denseZLambda(model, theta: example.theta)
        let n = design.nobs, q = zl.first?.count ?? 0
        let x = design.fixedEffects.matrix
        let fixed = (0..<n).map { i in model.offset[i] + example.beta.indices.reduce(0) { $0 + x[i, $1] * example.beta[$1] } }
        func eta(_ u: [Double]) -> [Double] { (0..<n).map { i in fixed[i] + (0..<q).reduce(0) { $0 + zl[i][$1] * u[$1] } } }
        func score(_ i: Int, _ e: Double) -> Double {
            model.family.score(design.response[i], eta: e, link: model.link, weight: model.priorWeights[i])
        }
        var u = [Double](repeating: 0, count: q)
        for _ in 0..<100 {
            let e = eta(u)
            var gradient = u.map { -$0 }
            var hessian = [[Double]](repeating: [Double](repeating: 0, count: q), count: q)
            for a in 0..<q { hessian[a][a] = 1 }
            for i in 0..<n {
                let s = score(i, e[i])
                let h = 1e-5 * max(1, abs(e[i]))
                let curvature = -(score(i, e[i] + h) - score(i, e[i] - h)) / (2 * h)
                let columns = (0..<q).filter { zl[i][$0] != 0 }
                for a in columns {
                    gradient[a] += zl[i][a] * s
                    for b in columns { hessian[a][b] += zl[i][a] * curvature * zl[i][b] }
                }
            }
            let l = DenseObjectiveTests.cholesky(hessian)
            var step = DenseObjectiveTests.forwardSolve(l, gradient)
            for i in stride(from: q - 1, through: 0, by: -1) {
                for k in (i + 1)..<q { step[i] -= l[k][i] * step[k] }
                step[i] /= l[i][i]
            }
            for a in 0..<q { u[a] += step[a] }
            if step.map(abs).max() ?? 0 < 1e-13 { break }
        }
        for (mode, expected) in zip(pirlsModes, u) { #expect(abs(mode - expected) < 1e-8 * (1 + abs(expected)), "û \(mode) vs \(expected)") }

        // The Laplace deviance from the dense modes, with the expected weights in the log-determinant.
        let e = eta(u)
        var h = [[Double]](repeating: [Double](repeating: 0, count: q), count: q)
        for a in 0..<q { h[a][a] = 1 }
        var deviance = u.reduce(0) { $0 + $1 * $1 }
        for i in 0..<n {
            deviance -= 2 * model.family.logLikelihood(design.response[i], model.link.mean(e[i]), weight: model.priorWeights[i])
            let w = model.family.working(design.response[i], eta: e[i], link: model.link, weight: model.priorWeights[i]).weight
            let columns = (0..<q).filter { zl[i][$0] != 0 }
            for a in columns { for b in columns { h[a][b] += zl[i][a] * w * zl[i][b] } }
        }
        let factor = DenseObjectiveTests.cholesky(h)
        deviance += 2 * factor.indices.reduce(0.0) { $0 + log(factor[$1][$1]) }
        #expect(abs(pirlsDeviance - deviance) < 1e-9 * deviance, "\(pirlsDeviance) vs \(deviance)")
    }
}
