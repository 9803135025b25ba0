import Foundation
import Testing
@testable import Marginal

/// The one-class marginalized density (Woodbury / determinant lemma per level) against the dense
/// O(N³) Gaussian formula, and its recovery against the dense conditional of the effects.
@Suite struct OneClassDensityTests {
    typealias Support = AlternativeDensitySupport

    /// A point away from any mode: β₀ = mean(y), other β's small, σ and the SDs a fraction of
    /// sd(y), correlation coordinates 0.25; then standard normal z's for the sampled effects.
    static func point(_ model: LinearMixedModel, layout: MixedModelParameterization, sampled: Int, seed: UInt64 = 7) -> [Double] {
        let y = model.design.response
        let mean = y.reduce(0, +) / Double(y.count)
        let sd = (y.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(y.count - 1)).squareRoot()
        var x: [Double] = []
        for (j, _) in layout.fixedNames.enumerated() { x.append(j == 0 ? mean : 0.3 - 0.2 * Double(j)) }
        x.append(log(0.6 * sd))
        for (i, name) in layout.parameterNames.enumerated().dropFirst(layout.fixedNames.count + 1) {
            x.append(name.hasPrefix("cor[") ? 0.25 : log(0.5 * sd) + 0.1 * Double(i % 3))
        }
        return x + Support.normals(sampled, seed: seed)
    }

    /// The likelihood part the density should give: log N(r; 0, V_i) + log N(z; 0, I), r the
    /// residual after the sampled blocks' b_k = T_k z_k, V_i = σ²I + Z_i (I ⊗ Σ_i) Z_iᵀ.
    static func denseLikelihood(_ model: LinearMixedModel, density: OneClassMarginalizedDensity, x: [Double]) -> Double {
        let layout = density.parameterization
        let globals = Support.decoded(layout, x)
        var offset = layout.dimension
        var sampled: [(block: Int, b: [Double])] = []
        var zPrior = 0.0
        for (k, block) in model.blocks.enumerated() where k != density.marginalizedBlock {
            let count = block.levelCount * block.dimension
            let z = Array(x[offset..<(offset + count)])
            offset += count
            sampled.append((k, Support.scaled(z, factor: globals.factors[k], size: block.dimension)))
            zPrior += z.reduce(0) { $0 - 0.5 * $1 * $1 - 0.5 * log(2 * Double.pi) }
        }
        let r = Support.residual(model, beta: globals.beta, effects: sampled)
        let block = model.blocks[density.marginalizedBlock]
        let v = Support.marginalCovariance(block, sigma: globals.sigma, factor: globals.factors[density.marginalizedBlock], rows: model.design.nobs)
        return Support.logNormal(r, covariance: v) + zPrior
    }

    static func expectMatchesDense(_ model: LinearMixedModel, group: String, seed: UInt64 = 7, sourceLocation: SourceLocation = #_sourceLocation) throws {
        var density = try OneClassMarginalizedDensity(model: model, marginalizing: group)
        let x = point(model, layout: density.parameterization, sampled: density.dimension - density.parameterization.dimension, seed: seed)
        var gradient = [Double](repeating: 0, count: density.dimension)
        let value = density.logDensity(at: x, gradient: &gradient)
        let expected = denseLikelihood(model, density: density, x: x) + Support.priorTerms(density.parameterization, x)
        #expect(relativeError(value, expected) < 1e-9, "\(group): \(value) vs dense \(expected)", sourceLocation: sourceLocation)
    }

    @Test func sleepstudyMatchesDenseMarginal() throws {
        let model = try Support.sleepstudy()
        var density = try OneClassMarginalizedDensity(model: model, marginalizing: "Subject")
        #expect(density.dimension == density.parameterization.dimension)
        // Near lme4's ML fit and far from it (β far from least squares, large σ).
        for xg in [Support.globals(beta: [251.4, 10.47], sigma: 25.6, rest: [log(23.8), log(5.7), 0.08]),
                   Support.globals(beta: [180, -3], sigma: 60, rest: [log(4), log(20), -1.2])] {
            var gradient = [Double](repeating: 0, count: density.dimension)
            let value = density.logDensity(at: xg, gradient: &gradient)
            let globals = Support.decoded(density.parameterization, xg)
            let r = Support.residual(model, beta: globals.beta, effects: [])
            let v = Support.marginalCovariance(model.blocks[0], sigma: globals.sigma, factor: globals.factors[0], rows: model.design.nobs)
            let expected = Support.logNormal(r, covariance: v) + Support.priorTerms(density.parameterization, xg)
            #expect(relativeError(value, expected) < 1e-9, "\(value) vs dense \(expected)")
        }
    }

    @Test func zeroCorrelationSleepstudyMatchesDense() throws {
        try Self.expectMatchesDense(try Support.sleepstudyZeroCorrelation(), group: "Subject")
    }

    @Test func penicillinWithEitherClassIntegratedOutMatchesDense() throws {
        let model = try Support.penicillin()
        #expect(model.blocks.map(\.group) == ["plate", "sample"])
        try Self.expectMatchesDense(model, group: "plate")
        try Self.expectMatchesDense(model, group: "sample", seed: 11)
    }

    @Test func crossedSlopesWithEitherClassIntegratedOutMatchesDense() throws {
        let model = try Support.crossedSlopes()
        #expect(model.blocks.map(\.group) == ["g1", "g2"])
        try Self.expectMatchesDense(model, group: "g1")
        try Self.expectMatchesDense(model, group: "g2", seed: 3)
        let noIntercepts = try Support.crossedSlopesWithoutIntercepts()
        try Self.expectMatchesDense(noIntercepts, group: "g1", seed: 4)
        try Self.expectMatchesDense(noIntercepts, group: "g2", seed: 6)
    }

    // MARK: Recovery

    /// Dense conditional of the class's effects: mean C Zᵀ V⁻¹ r, covariance C − C Zᵀ V⁻¹ Z C,
    /// C = I ⊗ Σ_i; both q × q (row-major) with q = ℓS.
    static func denseConditional(_ model: LinearMixedModel, density: OneClassMarginalizedDensity, x: [Double]) -> (mean: [Double], covariance: [Double]) {
        let n = model.design.nobs
        let layout = density.parameterization
        let globals = Support.decoded(layout, x)
        var offset = layout.dimension
        var sampled: [(block: Int, b: [Double])] = []
        for (k, block) in model.blocks.enumerated() where k != density.marginalizedBlock {
            let count = block.levelCount * block.dimension
            sampled.append((k, Support.scaled(Array(x[offset..<(offset + count)]), factor: globals.factors[k], size: block.dimension)))
            offset += count
        }
        let r = Support.residual(model, beta: globals.beta, effects: sampled)
        let block = model.blocks[density.marginalizedBlock]
        let s = block.dimension
        let q = block.levelCount * s
        let sigmaBlock = Support.covariance(globals.factors[density.marginalizedBlock], size: s)
        let z = Support.denseZ(block, rows: n)
        let l = Support.cholesky(Support.marginalCovariance(block, sigma: globals.sigma, factor: globals.factors[density.marginalizedBlock], rows: n), size: n)
        // ZC (n × q): column l·S + a of Z times the level's Σ.
        var zc = [Double](repeating: 0, count: n * q)
        for i in 0..<n {
            for level in 0..<block.levelCount {
                for a in 0..<s {
                    var sum = 0.0
                    for c in 0..<s { sum += z[i * q + level * s + c] * sigmaBlock[c * s + a] }
                    zc[i * q + level * s + a] = sum
                }
            }
        }
        let vr = Support.backSolve(l, Support.forwardSolve(l, r))
        var mean = [Double](repeating: 0, count: q)
        var vzc: [[Double]] = []  // columns of V⁻¹ZC
        for col in 0..<q {
            let column = (0..<n).map { zc[$0 * q + col] }
            mean[col] = zip(column, vr).reduce(0) { $0 + $1.0 * $1.1 }
            vzc.append(Support.backSolve(l, Support.forwardSolve(l, column)))
        }
        var covariance = [Double](repeating: 0, count: q * q)
        for a in 0..<q {
            for b in 0..<q {
                var sum = 0.0
                for i in 0..<n { sum += zc[i * q + a] * vzc[b][i] }
                let la = a / s, lb = b / s
                let prior = la == lb ? sigmaBlock[(a % s) * s + b % s] : 0
                covariance[a * q + b] = prior - sum
            }
        }
        return (mean, covariance)
    }

    static func expectRecoveryMatchesDense(_ model: LinearMixedModel, group: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        var density = try OneClassMarginalizedDensity(model: model, marginalizing: group)
        let x = point(model, layout: density.parameterization, sampled: density.dimension - density.parameterization.dimension)
        let computed = density.classConditional(at: x)
        let conditional = try #require(computed)
        let dense = denseConditional(model, density: density, x: x)
        let block = model.blocks[density.marginalizedBlock]
        let s = block.dimension
        let q = block.levelCount * s
        let meanScale = dense.mean.map(abs).max() ?? 1
        let covarianceScale = dense.covariance.map(abs).max() ?? 1
        var meanError = 0.0, covarianceError = 0.0, crossLevel = 0.0
        for a in 0..<q {
            meanError = max(meanError, abs(conditional.mean[a] - dense.mean[a]) / meanScale)
            for b in 0..<q {
                let (la, lb) = (a / s, b / s)
                if la == lb {
                    let ours = conditional.covariance[la * s * s + (a % s) + (b % s) * s]
                    covarianceError = max(covarianceError, abs(ours - dense.covariance[a * q + b]) / covarianceScale)
                } else {
                    crossLevel = max(crossLevel, abs(dense.covariance[a * q + b]) / covarianceScale)
                }
            }
        }
        #expect(meanError < 1e-9, "mean", sourceLocation: sourceLocation)
        #expect(covarianceError < 1e-9, "covariance", sourceLocation: sourceLocation)
        // The levels are conditionally independent, as the per-level recovery assumes.
        #expect(crossLevel < 1e-9, "cross-level covariance", sourceLocation: sourceLocation)
    }

    @Test func recoveryMatchesDenseConditional() throws {
        try Self.expectRecoveryMatchesDense(try Support.sleepstudy(), group: "Subject")
        try Self.expectRecoveryMatchesDense(try Support.penicillin(), group: "plate")
        try Self.expectRecoveryMatchesDense(try Support.crossedSlopes(), group: "g1")
    }

    /// Draws reproduce the conditional's mean and covariance within Monte Carlo error (z-scores
    /// below 5 over 36 means and 54 covariance entries), and the sampled blocks' effects are
    /// exactly T z.
    @Test func drawsFollowTheConditional() throws {
        let model = try Support.sleepstudy()
        var density = try OneClassMarginalizedDensity(model: model, marginalizing: "Subject")
        let x = Support.globals(beta: [251.4, 10.47], sigma: 25.6, rest: [log(23.8), log(5.7), 0.08])
        let computed = density.classConditional(at: x)
        let conditional = try #require(computed)
        let draws = 4000
        var random = RandomSource(seed: 42)
        var effects = [Double](repeating: 0, count: 36)
        var sums = [Double](repeating: 0, count: 36)
        var products = [Double](repeating: 0, count: 18 * 4)
        for _ in 0..<draws {
            #expect(density.drawRandomEffects(at: x, using: &random, into: &effects))
            for i in 0..<36 { sums[i] += effects[i] }
            for level in 0..<18 {
                for a in 0..<2 {
                    for b in 0..<2 {
                        let da = effects[level * 2 + a] - conditional.mean[level * 2 + a]
                        let db = effects[level * 2 + b] - conditional.mean[level * 2 + b]
                        products[level * 4 + a + b * 2] += da * db
                    }
                }
            }
        }
        var worstMean = 0.0, worstCovariance = 0.0
        for level in 0..<18 {
            let cov = Array(conditional.covariance[(level * 4)..<(level * 4 + 4)])
            for a in 0..<2 {
                let mean = sums[level * 2 + a] / Double(draws)
                worstMean = max(worstMean, abs(mean - conditional.mean[level * 2 + a]) / (cov[a * 3] / Double(draws)).squareRoot())
                for b in 0..<2 {
                    let empirical = products[level * 4 + a + b * 2] / Double(draws)
                    let se = ((cov[a * 3] * cov[b * 3] + cov[a + b * 2] * cov[a + b * 2]) / Double(draws)).squareRoot()
                    worstCovariance = max(worstCovariance, abs(empirical - cov[a + b * 2]) / se)
                }
            }
        }
        #expect(worstMean < 5)
        #expect(worstCovariance < 5)

        // Crossed: the sampled block's effects are T z, the class's vary from draw to draw.
        let penicillin = try Support.penicillin()
        var crossed = try OneClassMarginalizedDensity(model: penicillin, marginalizing: "plate")
        let xc = Self.point(penicillin, layout: crossed.parameterization, sampled: 6)
        let first = crossed.drawRandomEffects(at: xc, using: &random)
        let second = crossed.drawRandomEffects(at: xc, using: &random)
        let drawn = try #require(first)
        let again = try #require(second)
        let t = Support.decoded(crossed.parameterization, xc).factors[1][0]
        let z = Array(xc.suffix(6))
        #expect(drawn.count == 30 && crossed.randomEffectOffsets == [0, 24])
        #expect(Array(drawn[24...]) == z.map { t * $0 })
        #expect(drawn[0..<24] != again[0..<24])
        // The conditional mean: class i's from the conditional, the sampled ones T z.
        let conditionalPlates = crossed.classConditional(at: xc)
        var means = [Double](repeating: 0, count: 30)
        #expect(crossed.conditionalMeanRandomEffects(at: xc, into: &means))
        #expect(Array(means[..<24]) == conditionalPlates?.mean)
        #expect(Array(means[24...]) == z.map { t * $0 })
        var wrongLength = [Double](repeating: 0, count: 29)
        #expect(!crossed.drawRandomEffects(at: xc, using: &random, into: &wrongLength))
    }

    // MARK: Set-up

    @Test func namesFollowTheLayout() throws {
        let density = try OneClassMarginalizedDensity(model: try Support.penicillin(), marginalizing: "plate")
        #expect(density.marginalizedBlock == 0)
        #expect(density.parameterNames.count == density.dimension)
        #expect(density.dimension == density.parameterization.dimension + 6)
        #expect(density.parameterNames.last == "z[sample][F,(Intercept)]")
        #expect(density.randomEffectNames.count == 30)
        #expect(density.randomEffectNames.first == "r[plate][a,(Intercept)]")
        #expect(density.randomEffectNames.last == "r[sample][F,(Intercept)]")
    }

    @Test func unknownGroupIsReportedWithTheAvailableOnes() throws {
        let model = try Support.penicillin()
        #expect(throws: MixedModelDensityError.unknownGroup("plates", available: ["plate", "sample"], suggestion: "plate")) {
            try OneClassMarginalizedDensity(model: model, marginalizing: "plates")
        }
        // A parameterization from another model is refused.
        let other = MixedModelParameterization(model: try Support.sleepstudy())
        #expect(throws: MixedModelDensityError.self) {
            try OneClassMarginalizedDensity(model: model, marginalizing: "plate", parameterization: other)
        }
        #expect(throws: MixedModelDensityError.self) {
            try JointMixedModelDensity(model: model, effects: .centered, parameterization: other)
        }
        let error = MixedModelDensityError.unknownGroup("Plate", available: ["plate", "sample"], suggestion: "plate")
        #expect(error.description.contains("did you mean 'plate'"))
        #expect(error.description.contains("'sample'"))
    }

    /// Evaluating makes no heap allocations once the density exists (checked through array
    /// identity: the workspace buffer is reused, not replaced).
    @Test func evaluationReusesItsWorkspace() throws {
        var density = try OneClassMarginalizedDensity(model: try Support.penicillin(), marginalizing: "sample")
        let x = Self.point(try Support.penicillin(), layout: density.parameterization, sampled: 24)
        var gradient = [Double](repeating: 0, count: density.dimension)
        _ = density.logDensity(at: x, gradient: &gradient)
        let before = density.storage.withUnsafeBufferPointer { $0.baseAddress }
        _ = density.logDensity(at: x, gradient: &gradient)
        #expect(density.storage.withUnsafeBufferPointer { $0.baseAddress } == before)
    }
}
