import Foundation
import Testing
@testable import Marginal

/// The partially non-centered effects (``PartialCentering``): the projected statistics against
/// a dense inverse of V̂, the densities of the one-class and joint routes against the dense
/// non-centered / centered formulas plus the Jacobian Σ log s_l, the gradients against finite
/// differences, and the map back from effects to coordinates.
@Suite struct PartialCenteringTests {
    typealias Support = AlternativeDensitySupport

    /// InstEval-shaped, three crossed intercept factors (s, d, dept): two sampled blocks when one
    /// is integrated out, so the block-by-block passes run rather than the fused ones.
    static func threeFactors() throws -> LinearMixedModel {
        let data = try InstEvalSimulation.scaled(rows: 300, seed: 3).generate().frame
        return try LinearMixedModel(formula: "y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept)", data: data)
    }

    static func model(named name: String) throws -> LinearMixedModel {
        switch name {
        case "penicillin": return try Support.penicillin()
        case "crossed-slopes": return try Support.crossedSlopes()
        case "crossed-slopes-no-intercepts": return try Support.crossedSlopesWithoutIntercepts()
        case "synthetic": return try LinearMixedModel(formula: "y ~ 1 + x + (1 | g) + (1 | h)", data: BayesianTestData.crossed())
        default: return try threeFactors()
        }
    }

    static let models = ["penicillin", "crossed-slopes", "crossed-slopes-no-intercepts", "synthetic", "three-factors"]

    /// g̃, õ, c̃ of one-column block k with class i projected out, from P = V̂⁻¹ formed densely:
    /// V̂ = I + Z_i (I ⊗ Λ̂Λ̂ᵀ) Z_iᵀ inverted through its Cholesky factor, column by column. With
    /// `scale` (λ̂_k), õ and c̃ refined: diag(A) A⁻¹ (õ, c̃) for the dense A = Z_kᵀPZ_k + I/λ̂².
    static func denseStatistics(_ model: LinearMixedModel, block k: Int, projecting i: Int?, pilot: [Double], scale: Double? = nil) -> (information: [Double], response: [Double], design: [[Double]]) {
        denseStatistics(model, block: k, projecting: i.map { [($0, pilot)] } ?? [], scale: scale)
    }

    /// The same with the blocks of M = `projecting` (each with its pilot Λ̂) projected out:
    /// V̂ = I + Σ_{k∈M} Z_k (I ⊗ Λ̂_kΛ̂_kᵀ) Z_kᵀ.
    static func denseStatistics(_ model: LinearMixedModel, block k: Int, projecting: [(block: Int, pilot: [Double])], scale: Double? = nil) -> (information: [Double], response: [Double], design: [[Double]]) {
        let n = model.design.nobs
        let p = model.design.fixedEffects.p
        var projection = [Double](repeating: 0, count: n * n)
        for row in 0..<n { projection[row * n + row] = 1 }
        if !projecting.isEmpty {
            var v = [Double](repeating: 0, count: n * n)
            for row in 0..<n { v[row * n + row] = 1 }
            for (i, pilot) in projecting {
                let vi = Support.marginalCovariance(model.blocks[i], sigma: 1, factor: pilot, rows: n)
                for index in v.indices { v[index] += vi[index] }
                for row in 0..<n { v[row * n + row] -= 1 }
            }
            let l = Support.cholesky(v, size: n)
            for column in 0..<n {
                var unit = [Double](repeating: 0, count: n)
                unit[column] = 1
                let solved = Support.backSolve(l, Support.forwardSolve(l, unit))
                for row in 0..<n { projection[row * n + column] = solved[row] }
            }
        }
        let block = model.blocks[k]
        let levels = block.levelCount
        /// Σ over rows of level l of z_n (P u)_n.
        func project(_ u: [Double]) -> [Double] {
            var sums = [Double](repeating: 0, count: levels)
            for row in 0..<n {
                var pu = 0.0
                for m in 0..<n { pu += projection[row * n + m] * u[m] }
                sums[Int(block.codes[row])] += block.z[0, row] * pu
            }
            return sums
        }
        var information = [Double](repeating: 0, count: levels)
        for level in 0..<levels {
            let column = (0..<n).map { Int(block.codes[$0]) == level ? block.z[0, $0] : 0 }
            information[level] = project(column)[level]
        }
        let x = model.design.fixedEffects.matrix
        var design = (0..<p).map { a in project((0..<n).map { x[$0, a] }) }
        var response = project(model.design.response)
        if let scale, !projecting.isEmpty {
            // A column by column: A e_l = Z_kᵀ P z_l + e_l/λ̂².
            var a = [Double](repeating: 0, count: levels * levels)
            for level in 0..<levels {
                let column = project((0..<n).map { Int(block.codes[$0]) == level ? block.z[0, $0] : 0 })
                for other in 0..<levels { a[other * levels + level] = column[other] + (other == level ? 1 / (scale * scale) : 0) }
            }
            let l = Support.cholesky(a, size: levels)
            func refine(_ v: [Double]) -> [Double] {
                let u = Support.backSolve(l, Support.forwardSolve(l, v))
                return (0..<levels).map { a[$0 * levels + $0] * u[$0] }
            }
            response = refine(response)
            design = design.map(refine)
        }
        return (information, response, design)
    }

    @Test(arguments: models)
    func projectedStatisticsMatchTheDenseInverse(_ name: String) throws {
        let model = try Self.model(named: name)
        for (i, marginalized) in model.blocks.enumerated() {
            let rows = MixedModelRows(model: model, sortedBy: i)
            let statistics = ClassStatistics(rows: rows, classIndex: i)
            let pilots = OneClassMarginalizedDensity.pilotFactors(model: model)
            let pilot = pilots[i]
            #expect(pilot.count == marginalized.dimension * marginalized.dimension)
            for (k, block) in model.blocks.enumerated() where k != i && block.dimension == 1 {
                for (projecting, scale) in [(i, nil), (i, pilots[k][0]), (nil, nil)] as [(Int?, Double?)] {
                    let partial = PartialCentering(
                        rows: rows, block: k,
                        projection: projecting.map { ClassProjection(rows: rows, block: $0, gram: statistics.gram, pilot: pilot) },
                        pilotScale: scale)
                    let dense = Self.denseStatistics(model, block: k, projecting: projecting, pilot: pilot, scale: scale)
                    // Each statistic to 1e-9 of its largest magnitude (a projected value can be ~0).
                    func magnitude(_ values: [Double]) -> Double { max(values.map(abs).max() ?? 0, 1e-12) }
                    let informationScale = magnitude(dense.information), responseScale = magnitude(dense.response)
                    for level in 0..<block.levelCount {
                        #expect(abs(partial.information[level] - dense.information[level]) <= 1e-9 * informationScale, "\(name) g̃")
                        #expect(abs(partial.response[level] - dense.response[level]) <= 1e-9 * responseScale, "\(name) õ")
                        for a in 0..<partial.p {
                            #expect(abs(partial.design[level * partial.p + a] - dense.design[a][level]) <= 1e-9 * magnitude(dense.design[a]), "\(name) c̃")
                        }
                    }
                    // Projecting class i removes information: 0 ≤ g̃ ≤ Σ z².
                    if projecting != nil {
                        let raw = Self.denseStatistics(model, block: k, projecting: nil, pilot: pilot).information
                        #expect(zip(dense.information, raw).allSatisfy { $0 >= -1e-9 && $0 <= $1 + 1e-9 })
                    }
                }
            }
        }
    }

    /// Several classes projected out through their blocked factor (``FactorProjection``, as
    /// ``SubsetMarginalizedDensity`` does), against the dense V̂⁻¹ of the same pilot: each
    /// sampled factor of three crossed ones with both others or one of them projected out
    /// (where their factor has no nested block), and Penicillin's two.
    @Test(arguments: ["three-factors", "penicillin"])
    func factorProjectionMatchesTheDenseInverse(_ name: String) throws {
        let model = try Self.model(named: name)
        let rows = MixedModelRows(model: model)
        let pilots = OneClassMarginalizedDensity.pilotFactors(model: model)
        let groups = model.blocks.map(\.group)
        var tested = 0
        for k in model.blocks.indices where model.blocks[k].dimension == 1 {
            let others = model.blocks.indices.filter { $0 != k }
            for subset in [others, Array(others.prefix(1))] {
                var reduced = model.design
                reduced.randomEffects = model.design.randomEffects.filter { term in subset.contains { groups[$0] == term.group } }
                let reducedModel = try LinearMixedModel(design: reduced)
                // Nested blocks over M (the simulation's departments within lecturers) are not
                // covered: the partial form then projects nothing, which leaves the target as it is.
                guard let projection = FactorProjection(model: reducedModel, theta: reducedModel.startingTheta) else {
                    #expect(!reducedModel.products.nested.isEmpty, "\(name): no projection for a crossed subset")
                    continue
                }
                tested += 1
                // The pilot of each projected block, as the factor holds it (the reduced model's own start).
                let projected = reducedModel.blocks.enumerated().map { index, block in
                    (block: groups.firstIndex(of: block.group) ?? -1, pilot: projection.blocks[index].lambda)
                }
                for scale in [nil, pilots[k][0]] as [Double?] {
                    let partial = PartialCentering(rows: rows, block: k, projection: projection, pilotScale: scale)
                    let dense = Self.denseStatistics(model, block: k, projecting: projected, scale: scale)
                    func magnitude(_ values: [Double]) -> Double { max(values.map(abs).max() ?? 0, 1e-12) }
                    let what = "\(name): block \(groups[k]) with \(subset.map { groups[$0] }) projected"
                    for level in 0..<model.blocks[k].levelCount {
                        #expect(abs(partial.information[level] - dense.information[level]) <= 1e-9 * magnitude(dense.information), "\(what) g̃")
                        #expect(abs(partial.response[level] - dense.response[level]) <= 1e-9 * magnitude(dense.response), "\(what) õ")
                        for a in 0..<partial.p {
                            #expect(abs(partial.design[level * partial.p + a] - dense.design[a][level]) <= 1e-9 * magnitude(dense.design[a]), "\(what) c̃")
                        }
                    }
                }
            }
        }
        #expect(tested >= 2, "\(name): too few subsets projected")
    }

    /// b = m + s ε and Σ log s_l for one-column block k at globals x, from the dense statistics.
    static func partialEffects(_ model: LinearMixedModel, layout: MixedModelParameterization, x: [Double], block k: Int,
                               projecting i: Int?, pilot: [Double], scale: Double? = nil, epsilon: [Double]) -> (b: [Double], logScales: Double) {
        let globals = Support.decoded(layout, x)
        let dense = denseStatistics(model, block: k, projecting: i, pilot: pilot, scale: scale)
        let tau = globals.factors[k][0]
        let variance = globals.sigma * globals.sigma
        var b: [Double] = []
        var logScales = 0.0
        for level in 0..<model.blocks[k].levelCount {
            var r = dense.response[level]
            for a in 0..<globals.beta.count { r -= dense.design[a][level] * globals.beta[a] }
            let d = variance + dense.information[level] * tau * tau
            let s = tau * globals.sigma / d.squareRoot()
            b.append(tau * tau * r / d + s * epsilon[level])
            logScales += log(s)
        }
        return (b, logScales)
    }

    /// One-class partial at (θ, ε) = the dense non-centered formula at (θ, z = T⁻¹b) minus the
    /// non-centered Jacobian ℓ log τ plus the partial one Σ log s_l (blocks with several columns
    /// keep z).
    @Test(arguments: models)
    func oneClassPartialIsTheNonCenteredDensityWithItsJacobian(_ name: String) throws {
        let model = try Self.model(named: name)
        for group in model.blocks.map(\.group) {
            var partial = try OneClassMarginalizedDensity(model: model, marginalizing: group, effects: .partial)
            var nonCentered = try OneClassMarginalizedDensity(model: model, marginalizing: group, effects: .nonCentered)
            let layout = partial.parameterization
            let i = partial.marginalizedBlock
            let x = OneClassDensityTests.point(model, layout: layout, sampled: partial.dimension - layout.dimension, seed: 13)
            let globals = Support.decoded(layout, x)
            let pilots = OneClassMarginalizedDensity.pilotFactors(model: model)
            let pilot = pilots[i]
            var z = x
            var jacobian = 0.0
            var offset = layout.dimension
            for (k, block) in model.blocks.enumerated() where k != i {
                let count = block.effectCount
                if block.dimension == 1 {
                    let effects = Self.partialEffects(model, layout: layout, x: x, block: k, projecting: i, pilot: pilot,
                                                      scale: pilots[k][0], epsilon: Array(x[offset..<(offset + count)]))
                    let tau = globals.factors[k][0]
                    for level in 0..<count { z[offset + level] = effects.b[level] / tau }
                    jacobian += effects.logScales - Double(count) * log(tau)
                }
                offset += count
            }
            var gradient = [Double](repeating: 0, count: partial.dimension)
            let value = partial.logDensity(at: x, gradient: &gradient)
            let expected = OneClassDensityTests.denseLikelihood(model, density: nonCentered, x: z) + Support.priorTerms(layout, z) + jacobian
            #expect(relativeError(value, expected) < 1e-9, "\(name), \(group) out: \(value) vs \(expected)")
            // The non-centered density agrees at z as well (the same rows, in another form).
            let nonCenteredValue = nonCentered.logDensity(at: z, gradient: &gradient)
            #expect(relativeError(nonCenteredValue + jacobian, value) < 1e-9)
            #expect(partial.standardizesSampledEffects == model.blocks.enumerated().allSatisfy { $0.offset == i || $0.element.dimension == 1 })
        }
    }

    @Test(arguments: models)
    func oneClassPartialGradientsMatchFiniteDifferences(_ name: String) throws {
        let model = try Self.model(named: name)
        for group in model.blocks.map(\.group) {
            var density = try OneClassMarginalizedDensity(model: model, marginalizing: group, effects: .partial)
            let x = OneClassDensityTests.point(model, layout: density.parameterization, sampled: density.dimension - density.parameterization.dimension, seed: 17)
            Support.expectGradientMatchesFiniteDifferences(&density, at: x)
        }
    }

    /// Joint partial at (θ, ε) = joint centered at (θ, b) plus Σ log s_l, with nothing projected
    /// out; and ``JointMixedModelDensity/coordinates(globals:randomEffects:)`` inverts the map.
    @Test(arguments: models)
    func jointPartialIsTheCenteredDensityWithItsJacobian(_ name: String) throws {
        let model = try Self.model(named: name)
        var partial = JointMixedModelDensity(model: model, effects: .partial)
        var centered = JointMixedModelDensity(model: model, effects: .centered)
        let layout = partial.parameterization
        let x = OneClassDensityTests.point(model, layout: layout, sampled: partial.dimension - layout.dimension, seed: 19)
        let globals = Support.decoded(layout, x)
        var b: [Double] = []
        var jacobian = 0.0
        var offset = layout.dimension
        for (k, block) in model.blocks.enumerated() {
            let coordinates = Array(x[offset..<(offset + block.effectCount)])
            if block.dimension == 1 {
                let effects = Self.partialEffects(model, layout: layout, x: x, block: k, projecting: nil, pilot: [], epsilon: coordinates)
                b += effects.b
                jacobian += effects.logScales
            } else {
                // Non-centered: b = T z, Jacobian ℓ log |T|.
                b += Support.scaled(coordinates, factor: globals.factors[k], size: block.dimension)
                jacobian += Double(block.levelCount) * (0..<block.dimension).reduce(0) { $0 + log(globals.factors[k][$1 * (block.dimension + 1)]) }
            }
            offset += block.effectCount
        }
        var gradient = [Double](repeating: 0, count: partial.dimension)
        let value = partial.logDensity(at: x, gradient: &gradient)
        let expected = centered.logDensity(at: Array(x.prefix(layout.dimension)) + b, gradient: &gradient) + jacobian
        #expect(relativeError(value, expected) < 1e-9, "\(name): \(value) vs \(expected)")
        let computed = partial.randomEffects(at: x)
        let effects = try #require(computed)
        #expect(zip(effects, b).allSatisfy { abs($0 - $1) <= 1e-9 * max(1, abs($1)) })
        let back = try #require(partial.coordinates(globals: Array(x.prefix(layout.dimension)), randomEffects: effects))
        #expect(zip(back, x).allSatisfy { abs($0 - $1) <= 1e-9 * max(1, abs($1)) })
    }

    /// Recovery on the one-class partial route hands back the sampled blocks' b = m + s ε.
    @Test func oneClassRecoveryGivesTheSampledEffects() throws {
        let model = try Support.penicillin()
        var density = try OneClassMarginalizedDensity(model: model, marginalizing: "plate", effects: .partial)
        let layout = density.parameterization
        let x = OneClassDensityTests.point(model, layout: layout, sampled: 6, seed: 23)
        let pilots = OneClassMarginalizedDensity.pilotFactors(model: model)
        let expected = Self.partialEffects(model, layout: layout, x: x, block: 1, projecting: 0, pilot: pilots[0], scale: pilots[1][0],
                                           epsilon: Array(x.suffix(6))).b
        var means = [Double](repeating: 0, count: 30)
        #expect(density.conditionalMeanRandomEffects(at: x, into: &means))
        #expect(zip(means[24...], expected).allSatisfy { abs($0 - $1) <= 1e-9 * max(1, abs($1)) })
        #expect(density.parameterNames.last == "e[sample][F,(Intercept)]")
    }

    @Test func centeredEffectsAreRefusedWithAClassIntegratedOut() throws {
        #expect(throws: MixedModelDensityError.centeredWithClassIntegratedOut) {
            try OneClassMarginalizedDensity(model: try Support.penicillin(), marginalizing: "plate", effects: .centered)
        }
    }

    /// Rows sorted by a factor: a stable counting sort.
    @Test func stableOrderSortsByLevelKeepingTheDataOrder() {
        #expect(MixedModelRows.stableOrder(codes: [2, 0, 1, 0, 2, 1], levelCount: 3) == [1, 3, 2, 5, 0, 4])
        #expect(MixedModelRows.stableOrder(codes: [], levelCount: 2) == [])
    }
}
