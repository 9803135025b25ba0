import Foundation
@testable import Marginal

/// −2 log p(y | θ, β) of a generalized mixed model by brute force: the trapezoid rule on a
/// uniform grid of `points` per dimension over [−w, w] for each level's integral (a tensor grid
/// for a term of S columns; for two nested scalar terms, the outer integral over u_a of the
/// product of the inner integrals over u_b, each on the grid). It is independent of the
/// quadrature code: η is formed from X, β, Z and λ(θ) directly.
///
/// The grid is accurate far beyond the tests' tolerances: p(y | u) ≤ 1 for binomial and Poisson
/// responses, so the integrand is at most φ(u) and the mass beyond |u| = w is below e^{−w²/2};
/// and for an integrand analytic in a strip around the real line and decaying like a Gaussian of
/// SD σ, the trapezoid rule's error with step h is of order exp(−2π²σ²/h²) (Trefethen &
/// Weideman 2014, SIAM Review 56:385–458), below 1e-40 for σ ≥ 0.3, h ≤ 0.05.
enum BruteForceMarginal {
    static func deviance(_ model: GeneralizedLinearMixedModel, theta: [Double], beta: [Double], halfWidth w: Double = 10, points: Int = 401) -> Double {
        let n = model.design.nobs
        let x = model.design.fixedEffects.matrix
        let fixed = (0..<n).map { i in beta.indices.reduce(model.offset[i]) { $0 + x[i, $1] * beta[$1] } }
        let lambdas = model.thetaLayout.lambdas(theta)
        let h = 2 * w / Double(points - 1)
        let grid = (0..<points).map { -w + h * Double($0) }
        // log of the trapezoid weight of each point.
        let logWeights = (0..<points).map { log(h) + ($0 == 0 || $0 == points - 1 ? log(0.5) : 0) }
        let logNormal = -0.5 * log(2 * Double.pi)
        func logLikelihood(_ i: Int, _ eta: Double) -> Double {
            model.family.logLikelihood(model.design.response[i], model.link.mean(eta), weight: model.priorWeights[i])
        }
        let blocks = model.blocks
        var total = 0.0
        if blocks.count == 1 {
            let block = blocks[0], s = block.dimension, lambda = lambdas[0]
            for level in 0..<block.levelCount {
                let rows = (0..<n).filter { Int(block.codes[$0]) == level }
                var sum = LogSum()
                var u = [Double](repeating: 0, count: s)
                var index = [Int](repeating: 0, count: s)
                for _ in 0..<Int(pow(Double(points), Double(s))) {
                    var value = 0.0
                    for a in 0..<s {
                        u[a] = grid[index[a]]
                        value += logWeights[index[a]] + logNormal - 0.5 * u[a] * u[a]
                    }
                    for i in rows {
                        var eta = fixed[i]
                        for r in 0..<s { for c in 0...r { eta += block.z[r, i] * lambda[r, c] * u[c] } }
                        value += logLikelihood(i, eta)
                    }
                    sum.add(value)
                    for a in 0..<s {
                        index[a] += 1
                        if index[a] < points { break }
                        index[a] = 0
                    }
                }
                total -= 2 * sum.value
            }
            return total
        }
        // Nested: blocks[0] (u_b) within blocks[1] (u_a).
        let inner = blocks[0], outer = blocks[1]
        let lb = lambdas[0][0, 0], la = lambdas[1][0, 0]
        for a in 0..<outer.levelCount {
            let innerLevels = Set((0..<n).filter { Int(outer.codes[$0]) == a }.map { Int(inner.codes[$0]) }).sorted()
            let rowsOf = innerLevels.map { b in (0..<n).filter { Int(inner.codes[$0]) == b } }
            var outerSum = LogSum()
            for (p, ua) in grid.enumerated() {
                var value = logWeights[p] + logNormal - 0.5 * ua * ua
                for rows in rowsOf {
                    var innerSum = LogSum()
                    for (q, ub) in grid.enumerated() {
                        var v = logWeights[q] + logNormal - 0.5 * ub * ub
                        for i in rows { v += logLikelihood(i, fixed[i] + outer.z[0, i] * la * ua + inner.z[0, i] * lb * ub) }
                        innerSum.add(v)
                    }
                    value += innerSum.value
                }
                outerSum.add(value)
            }
            total -= 2 * outerSum.value
        }
        return total
    }

    /// log Σ exp(vₖ), accumulated one value at a time without overflow.
    struct LogSum {
        var largest = -Double.infinity
        var scaled = 0.0
        mutating func add(_ v: Double) {
            if v > largest {
                scaled = scaled * exp(largest - v) + 1
                largest = v
            } else {
                scaled += exp(v - largest)
            }
        }
        var value: Double { largest + log(scaled) }
    }
}
