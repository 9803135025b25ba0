import Foundation

/// Hierarchical centering (Gelfand, Sahu & Carlin 1995, "Efficient parametrisations for normal
/// linear mixed models", *Biometrika* 82(3)): the group-level fixed effects become the prior mean
/// of the random effects instead of a term of the linear predictor.
///
/// A fixed-effect column c is *group-level* for column a of engine block k when, on every row n,
/// X_nc = Z_k,a(n) · w_c(j) with j the row's level of the block's grouping factor: e.g.
/// `(Intercept)` for a random intercept (w = 1), `Days` for a random `Days` slope (w = 1), or a
/// covariate constant within groups (a "genetic score", w_j its value) for a random intercept.
/// Then Xβ + Zb = X_rest β_rest + Z u with
///
///     u_kj,a = b_kj,a + Σ_{c absorbed by (k, a)} w_c(j) β_c,
///
/// and the model reads u_kj ~ N(W_j γ, Σ_k), y ~ N(X_rest β_rest + Z u, σ²I): the coefficients γ
/// of the group-level columns enter only the prior of u. The change of variables (β, b) ↦ (β, u)
/// is linear with unit Jacobian, so densities and objectives keep their values.
///
/// Each fixed column is absorbed at most once, by the first match in engine block order (most
/// levels first) and column order.
struct HierarchicalCentering: Sendable {
    struct Absorption: Sendable {
        /// The fixed-effect column, the engine block and the block's column.
        let fixedColumn: Int
        let block: Int
        let column: Int
        /// w_c(j) for every level j of the block.
        let weights: [Double]
    }

    let absorptions: [Absorption]

    /// Whether fixed column j is absorbed into some random-effect column.
    func isAbsorbed(_ j: Int) -> Bool { absorptions.contains { $0.fixedColumn == j } }

    /// Detects the group-level columns of `model` (relative tolerance 1e-12 on X_nc − Z w).
    init(model: LinearMixedModel) {
        let x = model.design.fixedEffects.matrix
        let n = model.design.nobs
        var found: [Absorption] = []
        for c in 0..<x.columns {
            search: for (k, block) in model.blocks.enumerated() {
                for a in 0..<block.dimension {
                    if let weights = Self.weights(x: x, column: c, block: block, blockColumn: a, rows: n) {
                        found.append(Absorption(fixedColumn: c, block: k, column: a, weights: weights))
                        break search
                    }
                }
            }
        }
        absorptions = found
    }

    /// w with X[n, c] = Z[a, n] · w[code(n)] on every row, or nil. A level whose Z column is zero
    /// on all its rows needs X = 0 there and gets w = 0.
    private static func weights(x: Matrix, column c: Int, block: RandomEffectBlock, blockColumn a: Int, rows n: Int) -> [Double]? {
        var weights = [Double](repeating: 0, count: block.levelCount)
        var known = [Bool](repeating: false, count: block.levelCount)
        for i in 0..<n {
            let j = Int(block.codes[i])
            let z = block.z[a, i]
            if !known[j], z != 0 {
                weights[j] = x[i, c] / z
                known[j] = true
            }
        }
        var anyNonzero = false
        for i in 0..<n {
            let j = Int(block.codes[i])
            let value = x[i, c]
            let predicted = block.z[a, i] * weights[j]
            guard abs(value - predicted) <= 1e-12 * max(abs(value), 1) else { return nil }
            if value != 0 { anyNonzero = true }
        }
        return anyNonzero ? weights : nil
    }

    /// u from b in place: for every absorption, u_kj,a = b_kj,a + w_c(j) β_c. `effects` holds each
    /// block's values level-major at the given offsets of `x` (the joint density's layout).
    func addMeans(to x: inout [Double], offsets: [Int], dimensions: [Int], sign: Double = 1) {
        for absorption in absorptions {
            let beta = x[absorption.fixedColumn]
            let s = dimensions[absorption.block]
            let offset = offsets[absorption.block]
            for (j, w) in absorption.weights.enumerated() {
                x[offset + j * s + absorption.column] += sign * w * beta
            }
        }
    }

    /// The gradient in (β, u) from the gradient g in (β, b) at the same point: ∂/∂u = ∂/∂b and
    /// ∂/∂β_c = ∂/∂β_c − Σ_j w_c(j) ∂/∂b_kj,a for each absorbed column.
    func pullBack(_ gradient: inout [Double], offsets: [Int], dimensions: [Int]) {
        for absorption in absorptions {
            let s = dimensions[absorption.block]
            let offset = offsets[absorption.block]
            var sum = 0.0
            for (j, w) in absorption.weights.enumerated() {
                sum += w * gradient[offset + j * s + absorption.column]
            }
            gradient[absorption.fixedColumn] -= sum
        }
    }
}
