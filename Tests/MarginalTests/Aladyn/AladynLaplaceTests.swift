import Foundation
import Testing
@testable import Marginal

/// The marginal method's Laplace approximation (``AladynMarginalObjective``) against independent
/// computations: the value against a dense λ-space Laplace built from the published objective's
/// gradient (finite-difference Hessian, Newton in λ), and against brute-force quadrature of the
/// exact integral; the gradient against finite differences of the value.
@Suite struct AladynLaplaceTests {
    /// x for the fixture's parameters (ε from its φ).
    static func fixturePoint(_ objective: AladynMarginalObjective, model: AladynModel) throws -> [Double] {
        try objective.coordinates(of: try AladynFixture.centred(model))
    }

    /// The dense check: for each individual alone (W = 1, a one-individual model, so the published
    /// objective's λ part is exactly ℓ_i + ½ Σ_k (λ_k − m_k)ᵀΩ⁻¹(λ_k − m_k)), Newton's method in λ
    /// with the Hessian by central differences of the published gradient, then
    /// F_i = f(λ̂) + ½ log |H_λ| + ½ (K+1) log |Ω|. The marginal objective with the full basis
    /// (tolerance 0) must give (Σ F_i + ½‖ε‖²)/N.
    @Test func valueMatchesADenseLaplaceInLambda() throws {
        let model = try AladynFixture.model().withPriorWeight(1)
        let objective = try AladynMarginalObjective(model: model, basisTolerance: 0, threads: 1)
        #expect(objective.basis.rank == AladynFixture.t)
        let x = try Self.fixturePoint(objective, model: model)
        var gradient = [Double](repeating: 0, count: x.count)
        let value = try objective.evaluate(x, gradient: &gradient)
        let start = try AladynFixture.centred(model)
        var expected = 0.0
        for i in 0..<AladynFixture.n {
            expected += try Self.denseLaplace(model: model, start: start, individual: i)
        }
        let epsilon = x[objective.ranges[0]]
        expected += 0.5 * epsilon.reduce(0) { $0 + $1 * $1 }
        expected /= Double(AladynFixture.n)
        #expect(abs(value - expected) < 1e-7 * abs(expected), "marginal \(value), dense \(expected)")
    }

    /// F_i by the dense λ-space route for individual i of `start`'s population parameters.
    static func denseLaplace(model: AladynModel, start: AladynParameters, individual i: Int) throws -> Double {
        let (kt, t) = (AladynFixture.kt, AladynFixture.t)
        let dims = model.dimensions
        // A one-individual model cannot standardize covariates: it has P = 0 and carries m_i in its
        // signature references (k < K) and healthy reference instead.
        var mean = [Double](repeating: 0, count: dims.individuals * kt)
        model.fillLambdaMean(gamma: start[.covariateEffects], into: &mean)
        let single = try AladynModel(
            outcomes: try model.outcomes.individuals([i]), covariates: [], covariateCount: 0,
            logitPrevalence: model.logitPrevalence, signatureReferences: Array(mean[(i * kt)..<(i * kt + kt - 1)]),
            healthyReference: mean[i * kt + kt - 1], priorWeight: 1)
        let objective = AladynObjective(model: single, form: .centred, threads: 1)
        let ranges = AladynParameters.ranges(single.dimensions)
        var values = [Double](repeating: 0, count: AladynParameters.count(single.dimensions))
        for k in 0..<kt { for a in 0..<t { values[k * t + a] = mean[i * kt + k] } }
        for (offset, value) in start[.diseaseLogits].enumerated() { values[ranges[1].lowerBound + offset] = value }
        for (offset, value) in start[.diseaseOffsets].enumerated() { values[ranges[2].lowerBound + offset] = value }
        values[ranges[4].lowerBound] = start.kappa
        let m = kt * t
        var g = [Double](repeating: 0, count: values.count)
        func lambdaGradient(_ v: [Double]) -> [Double] {
            _ = objective.valueAndGradient(v, &g)
            return Array(g[0..<m])
        }
        // The objective is (ℓ + ½ λ-prior)/1 + φ-prior/D: only λ moves, so its λ-derivatives are f's.
        var hessian = [Double](repeating: 0, count: m * m)
        for _ in 0..<40 {
            let grad = lambdaGradient(values)
            let h = 1e-5
            for j in 0..<m {
                var plus = values, minus = values
                plus[j] += h
                minus[j] -= h
                let gp = lambdaGradient(plus), gm = lambdaGradient(minus)
                for r in 0..<m { hessian[r * m + j] = (gp[r] - gm[r]) / (2 * h) }
            }
            for r in 0..<m { for c in 0..<r { let s = 0.5 * (hessian[r * m + c] + hessian[c * m + r]); hessian[r * m + c] = s; hessian[c * m + r] = s } }
            guard let inverse = CholeskyInverse.inverseOfPositiveDefinite(hessian, n: m) else { throw AladynError.laplaceFailed(individual: i) }
            var size = 0.0
            for r in 0..<m {
                let step = (0..<m).reduce(0.0) { $0 + inverse[r * m + $1] * grad[$1] }
                values[r] -= step
                size = max(size, abs(step))
            }
            if size < 1e-12 { break }
        }
        let parts = objective.evaluate(values)
        // f = ℓ + ½ λ-prior: remove the φ-prior part (W/D) from the prior total.
        let phiPrior = try phiPriorTerm(single, values)
        let f = parts.likelihood + parts.prior - phiPrior
        let logDetH = try logDeterminant(hessian, m)
        let logDetOmega = try logDeterminant(single.lambdaKernel.covariance, t)
        return f + 0.5 * logDetH + 0.5 * Double(kt) * logDetOmega
    }

    static func phiPriorTerm(_ model: AladynModel, _ values: [Double]) throws -> Double {
        var zeroLambda = values
        let ranges = AladynParameters.ranges(model.dimensions)
        // The λ prior vanishes at λ = m(γ); the likelihood part is dropped by taking the prior only.
        var mean = [Double](repeating: 0, count: model.dimensions.totalSignatures)
        model.fillLambdaMean(gamma: ArraySlice<Double>(), into: &mean)
        let t = model.dimensions.ages
        for k in 0..<model.dimensions.totalSignatures { for a in 0..<t { zeroLambda[ranges[0].lowerBound + k * t + a] = mean[k] } }
        return AladynObjective(model: model, form: .centred, threads: 1).evaluate(zeroLambda).prior
    }

    static func logDeterminant(_ a: [Double], _ n: Int) throws -> Double {
        var factor = a
        let ok = factor.withUnsafeMutableBufferPointer { SmallMatrix.choleskyLower($0.baseAddress!, size: n) }
        guard ok else { throw AladynError.kernelNotPositiveDefinite(lengthScale: 0) }
        return 2 * factor.withUnsafeBufferPointer { SmallMatrix.logDiagonal($0.baseAddress!, size: n) }
    }

    /// The gradient in every coordinate (ε, ψ, γ, κ) against central differences of the value, with
    /// the default (truncated) basis and two threads.
    @Test func gradientMatchesFiniteDifferences() throws {
        let model = try AladynFixture.model()
        let objective = try AladynMarginalObjective(model: model, threads: 2)
        let x = try Self.fixturePoint(objective, model: model)
        var gradient = [Double](repeating: 0, count: x.count)
        _ = try objective.evaluate(x, gradient: &gradient)
        var scratch = gradient
        var worst = 0.0
        for index in x.indices {
            let h = 1e-5 * max(1, abs(x[index]))
            var plus = x, minus = x
            plus[index] += h
            minus[index] -= h
            let difference = (try objective.evaluate(plus, gradient: &scratch) - objective.evaluate(minus, gradient: &scratch)) / (2 * h)
            let error = abs(difference - gradient[index]) / max(1e-3, abs(difference))
            worst = max(worst, error)
            #expect(error < 1e-6, "coordinate \(index): analytic \(gradient[index]), numeric \(difference)")
        }
        #expect(worst > 0)
    }
}
