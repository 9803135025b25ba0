/// Recovery of the random effects after sampling the marginalized posterior: for a draw x of the
/// global parameters, a draw of every random effect from its exact conditional distribution
///
///     u | y, β, θ, σ ~ N(ũ(β), σ² M⁻¹),   M = ΛᵀZᵀZΛ + I = L_u L_uᵀ,   b = Λu,
///
/// as u = L_u⁻ᵀ(l_y,u − L_X,uᵀβ + σz) with z ~ N(0, I): one back substitution through the
/// blocked factor (dense trailing part, then level by level through the first block), see
/// ``PenalizedLeastSquares/solveRandomEffects(beta:noise:scale:into:)``. The factor is recomputed only
/// when x's θ differs from the last one the density factored.
extension MarginalizedMixedModelDensity {
    /// Draws all random effects b for the global parameters x into `effects`
    /// (``RandomEffectsLayout/count`` values, in the order of ``randomEffectsLayout``).
    /// Allocates nothing. Returns false (leaving `effects` unspecified) when x cannot be
    /// evaluated or `effects` has the wrong length.
    public mutating func drawRandomEffects(at x: [Double], using random: inout RandomSource, into effects: inout [Double]) -> Bool {
        for i in workspace.noise.indices { workspace.noise[i] = random.normal() }
        return recoverRandomEffects(at: x, noise: true, into: &effects)
    }

    /// The affine map behind ``drawRandomEffects(at:using:into:)``: b = Λ L_u⁻ᵀ(l_y,u − L_X,uᵀβ + σz)
    /// for given standard normal deviates z (laid out as ``randomEffectsLayout``). With z = 0 this
    /// is the conditional mean E[b | y, x]. Returns false when x cannot be evaluated or a buffer
    /// has the wrong length.
    public mutating func randomEffects(at x: [Double], standardNormal z: [Double], into effects: inout [Double]) -> Bool {
        guard z.count == workspace.noise.count else { return false }
        for i in z.indices { workspace.noise[i] = z[i] }
        return recoverRandomEffects(at: x, noise: true, into: &effects)
    }

    /// The conditional mean E[b | y, x] = Λũ(β).
    public mutating func conditionalMeanRandomEffects(at x: [Double], into effects: inout [Double]) -> Bool {
        recoverRandomEffects(at: x, noise: false, into: &effects)
    }

    private mutating func recoverRandomEffects(at x: [Double], noise: Bool, into effects: inout [Double]) -> Bool {
        guard x.count == dimension, x.allSatisfy(\.isFinite) else { return false }
        parameterization.decode(x, into: &globals)
        return recoverRandomEffects(noise: noise, into: &effects)
    }

    /// The recovery at the decoded `globals`, with the deviates in `workspace.noise` when `noise`.
    mutating func recoverRandomEffects(noise: Bool, into effects: inout [Double]) -> Bool {
        guard effects.count == randomEffectsLayout.count else { return false }
        loadEngineBeta()
        if let classes = levelClasses {
            // One grouping factor: u from the class factors, then b = λu per level.
            guard loadClassParameters() else { return false }
            let s = classes.dimension
            let solved = workspace.lambda.withUnsafeBufferPointer { lp in
                workspace.fixedWeights.withUnsafeBufferPointer { vp in
                    workspace.noise.withUnsafeBufferPointer { zp in
                        workspace.scratch.withUnsafeMutableBufferPointer { sp in
                            workspace.effects.withUnsafeMutableBufferPointer { up in
                                classes.solveEffects(
                                    lambda: lp.baseAddress!, v: vp.baseAddress!, noise: noise ? zp.baseAddress! : nil,
                                    scale: globals.sigma, scratch: sp.baseAddress!, into: up.baseAddress!)
                            }
                        }
                    }
                }
            }
            guard solved else { return false }
            workspace.lambda.withUnsafeBufferPointer { lambda in
                workspace.effects.withUnsafeBufferPointer { up in
                    effects.withUnsafeMutableBufferPointer { bp in
                        Self.multiplyLevels(lambda.baseAddress!, size: s, u: up.baseAddress!, into: bp.baseAddress!, count: classes.levelCount * s)
                    }
                }
            }
            return true
        }
        guard refactor() else { return false }
        let sigma = globals.sigma
        workspace.beta.withUnsafeBufferPointer { bp in
            workspace.noise.withUnsafeBufferPointer { zp in
                workspace.effects.withUnsafeMutableBufferPointer { up in
                    factor.solveRandomEffects(
                        beta: bp.baseAddress!, noise: noise ? zp.baseAddress! : nil, scale: sigma, into: up.baseAddress!)
                }
            }
        }
        // b = λₖ u per level (λ relative, lower triangular).
        let products = factor.products
        let firstCount = products.first.levels * products.first.dimension
        workspace.effects.withUnsafeBufferPointer { up in
            effects.withUnsafeMutableBufferPointer { bp in
                for k in factor.factors.indices {
                    let s = factor.factors[k].dimension
                    let range = k == 0 ? 0..<firstCount
                        : (firstCount + products.trailingRange(ofBlock: k).lowerBound)..<(firstCount + products.trailingRange(ofBlock: k).upperBound)
                    factor.lambdas[k].withUnsafeBufferPointer { lambda in
                        Self.multiplyLevels(lambda.baseAddress!, size: s, u: up.baseAddress! + range.lowerBound,
                                            into: bp.baseAddress! + range.lowerBound, count: range.count)
                    }
                }
            }
        }
        return true
    }

    /// b = λ u for each consecutive S-vector u of `count` values (λ lower triangular).
    private static func multiplyLevels(
        _ lambda: UnsafePointer<Double>, size s: Int, u: UnsafePointer<Double>, into b: UnsafeMutablePointer<Double>, count: Int
    ) {
        if s == 1 {
            let l = lambda[0]
            for i in 0..<count { b[i] = l * u[i] }
            return
        }
        for start in stride(from: 0, to: count, by: s) {
            for a in 0..<s {
                var sum = 0.0
                for t in 0...a { sum += lambda[a + t * s] * u[start + t] }
                b[start + a] = sum
            }
        }
    }
}
