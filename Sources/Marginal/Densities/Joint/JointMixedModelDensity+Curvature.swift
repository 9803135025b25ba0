extension JointMixedModelDensity {
    /// The second derivatives ∂²log p/∂x_i² of the density along each of its random-effect
    /// coordinates (x's coordinates after the globals, in x's order), exactly and in one pass over
    /// the rows. For fixed globals, log p is quadratic in the effects, so these are the diagonal of
    /// its (constant) Hessian there. With M_kj = Σ_{rows i in level j of block k} z_i z_iᵀ (S × S):
    ///
    ///     centered (x = b):        ∂²/∂b_a² = −(M_kj)_aa / σ² − (Σ_k⁻¹)_aa,  Σ_k = T_k T_kᵀ
    ///     non-centered (x = z):    ∂²/∂z_a² = −(T_kᵀ M_kj T_k)_aa / σ² − 1
    ///     partial (x = ε, b = m + s ε, one column): ∂²/∂ε² = s_j² (−M_kj / σ² − 1/τ_k²)
    ///
    /// (The effects of other blocks only add off-diagonal terms.) Probing them by finite differences
    /// of the gradient instead costs two evaluations, each O(N), per coordinate: O(N·q) in all,
    /// which is what made a mean-field start on 100,000 effects take minutes.
    ///
    /// Nil when x has the wrong length, σ is not positive and finite, or (centered) some T_k is
    /// singular.
    public mutating func effectCurvatures(at x: [Double]) -> [Double]? {
        guard x.count == dimension else { return nil }
        parameterization.decode(x, into: &globals)
        let sigma = globals.sigma
        guard sigma > 0, sigma.isFinite else { return nil }
        let precision = 1 / (sigma * sigma)
        var curvatures = [Double](repeating: 0, count: sampled.count)
        for (entry, coordinates) in zip(sampled.entries, coordinates) {
            let s = entry.dimension
            let block = rows.blocks[entry.block]
            let t = globals.factors[entry.block]
            // M_kj for every level, S × S column-major, level after level.
            var products = [Double](repeating: 0, count: entry.levelCount * s * s)
            for i in 0..<rows.n {
                let base = Int(block.codes[i]) * s * s
                for c in 0..<s {
                    let zc = block.z[i * s + c]
                    for a in 0..<s { products[base + a + c * s] += block.z[i * s + a] * zc }
                }
            }
            // The prior's part: −(Σ_k⁻¹)_aa = −‖T_k⁻¹ e_a‖² (centered, partial) or −1 (non-centered).
            var prior = [Double](repeating: -1, count: s)
            var partial: PartialCentering?
            if case .partial(let statistics) = coordinates.form { partial = statistics }
            if case .nonCentered = coordinates.form {} else {
                for a in 0..<s {
                    var column = [Double](repeating: 0, count: s)
                    column[a] = 1
                    for r in 0..<s {
                        var sum = column[r]
                        for c in 0..<r { sum -= t[r + c * s] * column[c] }
                        column[r] = sum / t[r + r * s]
                    }
                    let squares = column.reduce(0) { $0 + $1 * $1 }
                    guard squares.isFinite else { return nil }
                    prior[a] = -squares
                }
            }
            let start = entry.offset - sampled.start
            for level in 0..<entry.levelCount {
                let base = level * s * s
                for a in 0..<s {
                    var data: Double
                    switch coordinates.form {
                    case .centered, .partial:
                        data = products[base + a + a * s]
                    case .nonCentered:
                        // (Tᵀ M T)_aa = Σ_{b,c} T_ba M_bc T_ca, T lower (T_ba = 0 for b < a).
                        data = 0
                        for c in a..<s {
                            var row = 0.0
                            for b in a..<s { row += t[b + a * s] * products[base + b + c * s] }
                            data += row * t[c + a * s]
                        }
                    }
                    var curvature = -data * precision + prior[a]
                    if let partial {
                        let scale = partial.scale(level: level, tau: t[0], sigma: sigma)
                        curvature *= scale * scale
                    }
                    curvatures[start + level * s + a] = curvature
                }
            }
        }
        return curvatures
    }
}
