import Foundation

/// Partially non-centered coordinates for the sampled random intercepts (or single slopes) of a
/// one-column block k when another class i is integrated out (``OneClassMarginalizedDensity``):
/// each level's effect is standardized by an approximation of its conditional posterior given
/// the global parameters,
///
///     b_l = m_l + s_l ε_l,   s_l = (1/τ² + g̃_l/σ²)^(−1/2) = τσ/√D_l,
///     m_l = s_l² (õ_l − c̃_lᵀβ)/σ² = τ² (õ_l − c̃_lᵀβ)/D_l,   D_l = σ² + g̃_l τ²,
///
/// with τ = T_k the block's SD. A level with no data (g̃_l = 0) gets b_l = τ ε_l, the
/// non-centered form; a level with much data gets b_l ≈ its data estimate + (σ/√g̃_l) ε_l, which
/// does not move with τ, the centered form. Between the two each level is centered in proportion
/// to its information (the partially non-centered parameterization of Papaspiliopoulos, Roberts
/// & Sköld 2003/2007, per level, with the location as well as the scale). When the conditional
/// of b given the globals is close to ∏ N(m_l, s_l²), the ε are close to independent standard
/// normals whatever the globals are, the geometry NUTS handles best.
///
/// It is an exact change of variables for any fixed g̃, õ, c̃: b ↦ ε is one-to-one for given
/// globals and ∂b_l/∂ε_l = s_l, so the density of (globals, ε) is the density of (globals, b)
/// times ∏ s_l, and the target posterior is unchanged. With the prior b_l ~ N(0, τ²) that
/// factor and the prior together contribute, per level,
///
///     log N(b_l; 0, τ²) + log s_l = −½ log 2π − b_l²/(2τ²) + log σ − ½ log D_l.
///
/// The statistics are the information and data of level l about b_l after projecting out the
/// effects the density integrates out, at a pilot of their relative covariance
/// (``PilotProjection``: P = σ̂² V̂⁻¹ for V̂ = σ̂²I + Z_M Σ̂_M Z_Mᵀ),
///
///     g̃_l = z_lᵀ P z_l,   õ_l = z_lᵀ P y,   c̃_l = Xᵀ P z_l,
///
/// z_l being block k's column of level l. Other sampled blocks are not projected out (and with
/// nothing integrated out, P = I). With M projected out, õ and c̃ are then refined so that m is
/// the exact conditional mean at the pilot (``refineMeans(rows:sampled:projection:pilotScale:)``:
/// the levels of k are coupled through P, most strongly along the intercept). The pilot only has
/// to be roughly right: it changes how well the ε are standardized, never the target.
///
/// Gradient, for the adjoint A_l = ∂ℓ/∂b_l − b_l/τ² (likelihood plus prior) and k_l = 2m_l + s_lε_l:
///
///     ∂/∂ε_l = A_l s_l,   ∂/∂β = −Σ_l A_l τ² c̃_l / D_l,
///     ∂/∂τ = Σ_l [A_l σ² k_l/(τ D_l) + b_l²/τ³ − g̃_l τ/D_l],
///     ∂/∂σ = Σ_l [A_l (s_l ε_l/σ − σ k_l/D_l) + 1/σ − σ/D_l].
///
/// Immutable once made, so copies of a density share it.
final class PartialCentering: @unchecked Sendable {
    let levelCount: Int
    let p: Int
    /// g̃_l and õ_l (ℓ values each), c̃ (ℓ × p, level-major: level l's p values at l·p).
    let information: UnsafeMutableBufferPointer<Double>
    let response: UnsafeMutableBufferPointer<Double>
    let design: UnsafeMutableBufferPointer<Double>

    /// The statistics of one-column block `k` of `rows`, with the integrated-out effects
    /// projected out as `projection` says, or nothing projected out (P = I) when it is nil. With a
    /// projection and `pilotScale` (block k's pilot relative SD λ̂_k = τ̂_k/σ̂), õ and c̃ are then
    /// refined so that m is the exact conditional mean at the pilot
    /// (``refineMeans(rows:sampled:projection:pilotScale:)``).
    init(rows: MixedModelRows, block k: Int, projection: (any PilotProjection)?, pilotScale: Double? = nil) {
        let n = rows.n
        let p = rows.p
        let sampled = rows.blocks[k]
        let levels = sampled.levelCount
        levelCount = levels
        self.p = p
        information = ClassStatistics.Sufficient.zeros(levels)
        response = ClassStatistics.Sufficient.zeros(levels)
        design = ClassStatistics.Sufficient.zeros(levels * p)
        let zk = sampled.z.baseAddress!, codes = sampled.codes.baseAddress!
        for row in 0..<n { information[Int(codes[row])] += zk[row] * zk[row] }
        // z_lᵀ P u = z_lᵀ u − z_lᵀ (I − P) u for u = y and each column of X; g̃ likewise.
        var projected = [Double](repeating: 0, count: projection == nil ? 0 : n)
        for column in 0...p {
            let u = column == 0 ? UnsafePointer(rows.y.baseAddress!) : UnsafePointer(rows.x.baseAddress! + (column - 1) * n)
            guard let projection else {
                accumulate(rows: rows, sampled: sampled, column: column, values: u)
                continue
            }
            projection.absorbed(u, into: &projected, count: n)
            for row in 0..<n { projected[row] = u[row] - projected[row] }
            accumulate(rows: rows, sampled: sampled, column: column, values: projected)
        }
        guard let projection else { return }
        let absorbed = projection.absorbedInformation(sampled: sampled, count: n)
        for level in 0..<levels { information[level] = max(information[level] - absorbed[level], 0) }
        if let pilotScale, pilotScale > 0, pilotScale.isFinite {
            refineMeans(rows: rows, sampled: sampled, projection: projection, pilotScale: pilotScale)
        }
    }

    /// The form from statistics already computed: g̃_l, õ_l (ℓ values each) and c̃ (ℓ × p,
    /// level-major), as a generalized model's working weights give them
    /// (``SampledGeneralizedTerms``, with σ = 1).
    init(information: [Double], response: [Double], design: [Double]) {
        levelCount = information.count
        p = information.isEmpty ? 0 : design.count / information.count
        self.information = ClassStatistics.Sufficient.zeros(levelCount)
        self.response = ClassStatistics.Sufficient.zeros(levelCount)
        self.design = ClassStatistics.Sufficient.zeros(levelCount * p)
        _ = self.information.update(fromContentsOf: information)
        _ = self.response.update(fromContentsOf: response)
        _ = self.design.update(fromContentsOf: design)
    }

    /// Adds z_lᵀ u into õ (`column` 0) or column `column` − 1 of c̃.
    private func accumulate(rows: MixedModelRows, sampled: MixedModelRows.Block, column: Int, values u: UnsafePointer<Double>) {
        let zk = sampled.z.baseAddress!, codes = sampled.codes.baseAddress!
        for row in 0..<rows.n {
            let level = Int(codes[row])
            if column == 0 {
                response[level] += zk[row] * u[row]
            } else {
                design[level * p + column - 1] += zk[row] * u[row]
            }
        }
    }

    deinit {
        information.deallocate()
        response.deallocate()
        design.deallocate()
    }

    /// s_l = τσ/√(σ² + I_l τ²), the scale of ε_l in b_l = m_l + s_l ε_l (as ``forward(tau:sigma:beta:epsilon:into:cache:)`` computes it).
    func scale(level: Int, tau: Double, sigma: Double) -> Double {
        tau * sigma / (sigma * sigma + information[level] * tau * tau).squareRoot()
    }

    /// b ← m + s ε for the block's SD `tau`, σ and β; stores m, s and 1/D per level into `cache`
    /// (3ℓ values: means, then scales, then reciprocals of D) and returns
    /// Σ_l (−b_l²/(2τ²) + log σ − ½ log D_l), the prior and Jacobian terms without −½ log 2π.
    /// Loops are split so that the divisions and square roots run on vectors, with one logarithm
    /// per 16 levels (``VectorKernels/logProduct(_:count:stride:)``).
    func forward(
        tau: Double, sigma: Double, beta: UnsafePointer<Double>, epsilon: UnsafePointer<Double>,
        into b: UnsafeMutablePointer<Double>, cache: UnsafeMutablePointer<Double>
    ) -> Double {
        let levels = levelCount
        let variance = sigma * sigma
        let tau2 = tau * tau
        let scale = tau * sigma
        let means = cache, scales = cache + levels, inverses = cache + 2 * levels
        let information = UnsafePointer(self.information.baseAddress!)
        let response = UnsafePointer(self.response.baseAddress!)
        let design = UnsafePointer(self.design.baseAddress!)
        for level in 0..<levels { inverses[level] = variance + information[level] * tau2 }
        let logDeterminant = VectorKernels.logProduct(inverses, count: levels)
        // 1/D and s = τσ/√D four levels at a time, so that the divisions and square roots are
        // packed (a scalar loop's square root also waits on a branch to libm's for negatives).
        let scaleLanes = SIMD4<Double>(repeating: scale)
        var level = 0
        while level + 4 <= levels {
            let inverse = 1 / UnsafeRawPointer(inverses + level).loadUnaligned(as: SIMD4<Double>.self)
            UnsafeMutableRawPointer(inverses + level).storeBytes(of: inverse, as: SIMD4<Double>.self)
            UnsafeMutableRawPointer(scales + level).storeBytes(of: scaleLanes * inverse.squareRoot(), as: SIMD4<Double>.self)
            level += 4
        }
        while level < levels {
            let inverse = 1 / inverses[level]
            inverses[level] = inverse
            scales[level] = scale * inverse.squareRoot()
            level += 1
        }
        // m = τ² (õ − c̃ᵀβ)/D, first õ − c̃ᵀβ into `means`.
        if p == 1 {
            let b0 = beta[0]
            for level in 0..<levels { means[level] = response[level] - design[level] * b0 }
        } else if p == 2 {
            let b0 = beta[0], b1 = beta[1]
            for level in 0..<levels { means[level] = response[level] - design[2 * level] * b0 - design[2 * level + 1] * b1 }
        } else {
            for level in 0..<levels {
                var r = response[level]
                for a in 0..<p { r -= design[level * p + a] * beta[a] }
                means[level] = r
            }
        }
        var squares = 0.0
        for level in 0..<levels {
            let m = tau2 * means[level] * inverses[level]
            let value = m + scales[level] * epsilon[level]
            means[level] = m
            b[level] = value
            squares += value * value
        }
        return -0.5 * squares / tau2 + Double(levels) * log(sigma) - 0.5 * logDeterminant
    }

    /// The pull-back after ``forward(tau:sigma:beta:epsilon:into:cache:)``: from the likelihood's
    /// ∂ℓ/∂b (`adjoint`) writes ∂/∂ε into `gradient`, adds to ∂/∂β (`betaAdjoint`) and returns the
    /// contributions to ∂/∂τ and ∂/∂σ (of the likelihood through b, the prior and the Jacobian).
    func backward(
        tau: Double, sigma: Double, epsilon: UnsafePointer<Double>, effects b: UnsafePointer<Double>,
        cache: UnsafePointer<Double>, adjoint: UnsafePointer<Double>,
        gradient: UnsafeMutablePointer<Double>, betaAdjoint: UnsafeMutablePointer<Double>
    ) -> (tau: Double, sigma: Double) {
        let variance = sigma * sigma
        let tau2 = tau * tau
        let precision = 1 / tau2
        let inverseSigma = 1 / sigma
        let means = cache, scales = cache + levelCount, inverses = cache + 2 * levelCount
        var tauAdjoint = 0.0, sigmaAdjoint = 0.0, informationTerm = 0.0, inverseSum = 0.0, squares = 0.0
        // ∂/∂β's first two entries are summed in registers (most models have one or two columns).
        var designSum = 0.0, secondDesignSum = 0.0
        for level in 0..<levelCount {
            let bl = b[level]
            let a = adjoint[level] - bl * precision
            let s = scales[level]
            let e = epsilon[level]
            let inverse = inverses[level]
            let k = 2 * means[level] + s * e
            gradient[level] = a * s
            tauAdjoint += a * k * inverse
            sigmaAdjoint += a * (s * e * inverseSigma - sigma * k * inverse)
            squares += bl * bl
            informationTerm += information[level] * inverse
            inverseSum += inverse
            let weight = a * tau2 * inverse
            let c = design.baseAddress! + level * p
            switch p {
            case 1:
                designSum += weight * c[0]
            case 2:
                designSum += weight * c[0]
                secondDesignSum += weight * c[1]
            default:
                for j in 0..<p { betaAdjoint[j] -= weight * c[j] }
            }
        }
        if p == 1 || p == 2 { betaAdjoint[0] -= designSum }
        if p == 2 { betaAdjoint[1] -= secondDesignSum }
        let levels = Double(levelCount)
        return (tau: tauAdjoint * variance / tau + squares * precision / tau - informationTerm * tau,
                sigma: sigmaAdjoint + levels / sigma - sigma * inverseSum)
    }
}
