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
    /// F_i = f(λ̂) + ½ log |H̃_λ| + ½ (K+1) log |Ω| with the Gauss–Newton curvature
    /// H̃_λ = Σ_cells c″(π) ∇π ∇πᵀ + I ⊗ Ω⁻¹, ∇π by central differences of the hazards computed here
    /// from their definition. The marginal objective with the full basis
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
            guard let inverse = CholeskyInverse.inverseOfPositiveDefinite(hessian, n: m) else { throw AladynError.laplaceFailed(individual: i, reason: "dense check") }
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
        // H̃_λ: the prior's precision blocks (the Hessian's λ-prior part is exactly linear) plus the
        // Gauss–Newton sum over the cells at risk.
        let omegaInverse = single.lambdaKernel.precision
        var curvature = [Double](repeating: 0, count: m * m)
        for k in 0..<kt { for a in 0..<t { for b in 0..<t { curvature[(k * t + a) * m + k * t + b] = omegaInverse[a * t + b] } } }
        let sigmoid = start[.diseaseLogits].map { 1 / (1 + exp(-$0)) }
        let dCount = dims.diseases
        func hazard(_ lambda: [Double], disease d: Int, age a: Int) -> Double {
            let total = (0..<kt).reduce(0.0) { $0 + exp(lambda[$1 * t + a]) }
            return start.kappa * (0..<kt).reduce(0.0) { $0 + exp(lambda[$1 * t + a]) / total * sigmoid[($1 * dCount + d) * t + a] }
        }
        let lambdaHat = Array(values[0..<m])
        for d in 0..<dCount {
            let exit = model.outcomes.exitAges[i * dCount + d]
            for a in 0..<min(exit + 1, t) {
                let pi = hazard(lambdaHat, disease: d, age: a)
                let diagnosis = model.outcomes.diagnosed[i * dCount + d] && a == exit
                let second = diagnosis ? 1 / (pi * pi) : 1 / ((1 - pi) * (1 - pi))
                let h = 1e-6
                let grad = (0..<m).map { index -> Double in
                    var plus = lambdaHat, minus = lambdaHat
                    plus[index] += h
                    minus[index] -= h
                    return (hazard(plus, disease: d, age: a) - hazard(minus, disease: d, age: a)) / (2 * h)
                }
                for r in 0..<m { for c in 0..<m { curvature[r * m + c] += second * grad[r] * grad[c] } }
            }
        }
        let logDetH = try logDeterminant(curvature, m)
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

/// The Laplace value against the exact integral, by brute-force Gauss–Hermite quadrature, on a
/// problem small enough to integrate: one individual, K = 1 + 1 signatures, T = 2 ages (λ has four
/// coordinates), three diseases (two diagnosed).
@Suite struct AladynLaplaceQuadratureTests {
    static func model() throws -> AladynModel {
        let outcomes = try AladynOutcomes(individuals: 1, diseases: 3, ages: 2, exitAges: [0, 1, 2], diagnosed: [true, true, false])
        return try AladynModel(
            outcomes: outcomes, covariates: [], covariateCount: 0, logitPrevalence: [-1.0, -0.8, -1.5, -1.2, -2.0, -1.7],
            signatureReferences: [0.4], healthyReference: -0.6, priorWeight: 1)
    }

    static func parameters(_ model: AladynModel) throws -> AladynParameters {
        // λ (unused by the marginal value), φ ((K+1) × D × T), ψ, γ (none), κ.
        let phi = [-0.5, -0.2, -1.4, -1.0, -2.2, -1.5, -1.8, -1.6, -0.9, -1.1, -2.5, -2.4]
        let values = [Double](repeating: 0, count: 4) + phi + [0.2, -0.1, 0.3, -0.4, 0.1, 0.0] + [0.8]
        return try AladynParameters(dimensions: model.dimensions, form: .centred, values: values)
    }

    /// −log ∫ exp(−ℓ(λ)) N(λ; m, I ⊗ Ω) dλ on a `points`⁴ tensor grid: λ_k = m_k + L ξ_k with
    /// ξ ~ N(0, I), E g(ξ) = π^{−1/2} Σ w g(√2 x) per coordinate; ℓ from the published loss.
    static func exact(_ model: AladynModel, _ parameters: AladynParameters, points: Int) throws -> Double {
        let rule = try #require(GaussHermiteRule(points: points))
        let objective = AladynObjective(model: model, form: .centred, threads: 1)
        let l = model.lambdaKernel.cholesky
        let m = [model.signatureReferences[0], model.healthyReference]
        var values = parameters.values
        var total = 0.0
        var index = [Int](repeating: 0, count: 4)
        for flat in 0..<Int(pow(Double(points), 4)) {
            var rest = flat
            var weight = 1.0
            for c in 0..<4 {
                index[c] = rest % points
                rest /= points
                weight *= rule.weights[index[c]] / Double.pi.squareRoot()
            }
            for k in 0..<2 {
                let root2 = Double(2).squareRoot()
                let xi = [root2 * rule.nodes[index[2 * k]], root2 * rule.nodes[index[2 * k + 1]]]
                values[k * 2] = m[k] + l[0] * xi[0]
                values[k * 2 + 1] = m[k] + l[2] * xi[0] + l[3] * xi[1]
            }
            total += weight * exp(-objective.evaluate(values).likelihood)
        }
        return -log(total)
    }

    @Test func laplaceIsCloseToTheExactIntegral() throws {
        let model = try Self.model()
        let parameters = try Self.parameters(model)
        let objective = try AladynMarginalObjective(model: model, basisTolerance: 0, threads: 1)
        let x = try objective.coordinates(of: parameters)
        var gradient = x
        let laplace = try objective.evaluate(x, gradient: &gradient) - 0.5 * x[objective.ranges[0]].reduce(0) { $0 + $1 * $1 }
        let coarse = try Self.exact(model, parameters, points: 16)
        let fine = try Self.exact(model, parameters, points: 24)
        // The grid has converged, so `fine` is the exact −log p(y) to rounding.
        #expect(abs(fine - coarse) < 1e-10, "16 points \(coarse), 24 points \(fine)")
        // Laplace − exact measured −0.0491 in −log p (the Gauss–Newton determinant overstates this
        // individual's marginal likelihood by 5 %; the exact-Hessian determinant gave +0.0181): two
        // diagnoses at two ages give a skewed posterior. The window keeps the sign and the size;
        // the dense test above checks the Laplace value itself to 1e-7.
        #expect(laplace - fine > -0.07 && laplace - fine < -0.03, "Laplace \(laplace), exact \(fine), difference \(laplace - fine)")
    }
}
