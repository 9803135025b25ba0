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
/// The statistics are the information and data of level l about b_l after projecting out class
/// i's effects at a pilot relative covariance Λ̂ (``init(rows:block:projection:)``):
/// with W_j = Λ̂ (Λ̂ᵀG_jΛ̂ + I)⁻¹ Λ̂ᵀ per level j of class i (G_j = Z_ijᵀZ_ij) and the projection
/// P = I − Z_i (⊕_j W_j) Z_iᵀ (σ̂² V̂⁻¹ for V̂ = σ̂²I + Z_i (I ⊗ σ̂²Λ̂Λ̂ᵀ) Z_iᵀ),
///
///     g̃_l = z_lᵀ P z_l,   õ_l = z_lᵀ P y,   c̃_l = Xᵀ P z_l,
///
/// z_l being block k's column of level l. Other sampled blocks are not projected out (and with
/// nothing integrated out, P = I). With class i projected out, õ and c̃ are then refined so that
/// m is the exact conditional mean at the pilot (``refineMeans(rows:sampled:projection:weights:pilotScale:)``:
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

    /// Class i's part of the projection: its engine block, its per-level G_j
    /// (``ClassStatistics/gram``) and the pilot relative covariance factor Λ̂ (S_i × S_i,
    /// column-major lower triangle).
    struct Projection {
        let block: Int
        let gram: UnsafeMutableBufferPointer<Double>
        let pilot: [Double]
    }

    /// The statistics of one-column block `k` of `rows`, with class i projected out as
    /// `projection` says, or nothing projected out (P = I) when it is nil. With a projection and
    /// `pilotScale` (block k's pilot relative SD λ̂_k = τ̂_k/σ̂), õ and c̃ are then refined so that
    /// m is the exact conditional mean at the pilot (``refineMeans(rows:sampled:projection:weights:pilotScale:)``).
    init(rows: MixedModelRows, block k: Int, projection: Projection?, pilotScale: Double? = nil) {
        let n = rows.n
        let p = rows.p
        let sampled = rows.blocks[k]
        let levels = sampled.levelCount
        levelCount = levels
        self.p = p
        information = ClassStatistics.Sufficient.zeros(levels)
        response = ClassStatistics.Sufficient.zeros(levels)
        design = ClassStatistics.Sufficient.zeros(levels * p)
        let zk = sampled.z.baseAddress!
        let codesK = sampled.codes.baseAddress!
        // z_lᵀ u for u = y and the columns of X, and Σ z².
        for row in 0..<n {
            let level = Int(codesK[row])
            let z = zk[row]
            information[level] += z * z
            response[level] += z * rows.y[row]
            for a in 0..<p { design[level * p + a] += z * rows.x[row + a * n] }
        }
        guard let projection else { return }
        let weights = project(rows: rows, sampled: sampled, projection: projection)
        if let pilotScale, pilotScale > 0, pilotScale.isFinite {
            refineMeans(rows: rows, sampled: sampled, projection: projection, weights: weights, pilotScale: pilotScale)
        }
    }

    /// Subtracts class i's part: z_lᵀ Z_i W Z_iᵀ u from õ_l and c̃_l, Σ_j C_ljᵀ W_j C_lj from g̃_l.
    /// Returns the W_j.
    private func project(rows: MixedModelRows, sampled: MixedModelRows.Block, projection: Projection) -> [Double] {
        let n = rows.n
        let p = rows.p
        let marginalized = rows.blocks[projection.block]
        let si = marginalized.dimension
        let classLevels = marginalized.levelCount
        let weights = Self.projectionWeights(gram: projection.gram, levelCount: classLevels, size: si, pilot: projection.pilot)
        let zk = sampled.z.baseAddress!
        let codesK = sampled.codes.baseAddress!
        let zi = marginalized.z.baseAddress!
        let codesI = marginalized.codes.baseAddress!
        // For u = y and each column of X: q_j = W_j Z_ijᵀu, then z_lᵀ Z_i q.
        var sums = [Double](repeating: 0, count: classLevels * si)
        var solved = [Double](repeating: 0, count: classLevels * si)
        for column in 0...p {
            let u = column == 0 ? UnsafePointer(rows.y.baseAddress!) : UnsafePointer(rows.x.baseAddress! + (column - 1) * n)
            for index in sums.indices { sums[index] = 0 }
            for row in 0..<n {
                let base = Int(codesI[row]) * si
                for a in 0..<si { sums[base + a] += zi[row * si + a] * u[row] }
            }
            for level in 0..<classLevels {
                for a in 0..<si {
                    var sum = 0.0
                    for b in 0..<si { sum += weights[level * si * si + a + b * si] * sums[level * si + b] }
                    solved[level * si + a] = sum
                }
            }
            for row in 0..<n {
                let base = Int(codesI[row]) * si
                var fitted = 0.0
                for a in 0..<si { fitted += zi[row * si + a] * solved[base + a] }
                let level = Int(codesK[row])
                if column == 0 {
                    response[level] -= zk[row] * fitted
                } else {
                    design[level * p + column - 1] -= zk[row] * fitted
                }
            }
        }
        // C_lj = Σ over the rows of level l in level j of z_kn z_in: the rows of level l are
        // visited together, C_lj gathered in `cross`.
        let levels = sampled.levelCount
        let order = MixedModelRows.stableOrder(codes: Array(sampled.codes.prefix(n)), levelCount: levels)
        var cross = [Double](repeating: 0, count: classLevels * si)
        var lastVisit = [Int](repeating: -1, count: classLevels)
        var touched: [Int] = []
        var position = 0
        for level in 0..<levels {
            while position < n, Int(codesK[order[position]]) == level {
                let row = order[position]
                let j = Int(codesI[row])
                if lastVisit[j] != level {
                    lastVisit[j] = level
                    touched.append(j)
                }
                for a in 0..<si { cross[j * si + a] += zk[row] * zi[row * si + a] }
                position += 1
            }
            var correction = 0.0
            for j in touched {
                for a in 0..<si {
                    for b in 0..<si { correction += cross[j * si + a] * weights[j * si * si + a + b * si] * cross[j * si + b] }
                }
                for a in 0..<si { cross[j * si + a] = 0 }
            }
            touched.removeAll(keepingCapacity: true)
            information[level] = max(information[level] - correction, 0)
        }
        return weights
    }

    deinit {
        information.deallocate()
        response.deallocate()
        design.deallocate()
    }

    /// W_j = Λ̂ (Λ̂ᵀG_jΛ̂ + I)⁻¹ Λ̂ᵀ per level (S × S each, column-major).
    static func projectionWeights(gram: UnsafeMutableBufferPointer<Double>, levelCount: Int, size s: Int, pilot: [Double]) -> [Double] {
        var weights = [Double](repeating: 0, count: levelCount * s * s)
        var m = [Double](repeating: 0, count: s * s)
        var inverse = [Double](repeating: 0, count: s * s)
        pilot.withUnsafeBufferPointer { lambda in
            let t = lambda.baseAddress!
            for level in 0..<levelCount {
                let g = gram.baseAddress! + level * s * s
                for a in 0..<s {
                    for b in 0..<s {
                        var sum = a == b ? 1.0 : 0.0
                        for c in a..<s {
                            for d in b..<s { sum += t[c + a * s] * g[c + d * s] * t[d + b * s] }
                        }
                        m[a + b * s] = sum
                    }
                }
                let ok = m.withUnsafeMutableBufferPointer { SmallMatrix.choleskyLower($0.baseAddress!, size: s) }
                guard ok else { continue }
                m.withUnsafeBufferPointer { l in
                    inverse.withUnsafeMutableBufferPointer { SmallMatrix.inverseFromCholesky(l.baseAddress!, into: $0.baseAddress!, size: s) }
                }
                for a in 0..<s {
                    for b in 0..<s {
                        var sum = 0.0
                        for c in 0...a {
                            for d in 0...b { sum += t[a + c * s] * inverse[c + d * s] * t[b + d * s] }
                        }
                        weights[level * s * s + a + b * s] = sum
                    }
                }
            }
        }
        return weights
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
        for level in 0..<levels {
            let inverse = 1 / inverses[level]
            inverses[level] = inverse
            scales[level] = scale * inverse.squareRoot()
        }
        // m = τ² (õ − c̃ᵀβ)/D, first õ − c̃ᵀβ into `means`.
        if p == 1 {
            let b0 = beta[0]
            for level in 0..<levels { means[level] = response[level] - design[level] * b0 }
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
        let means = cache, scales = cache + levelCount, inverses = cache + 2 * levelCount
        var tauAdjoint = 0.0, sigmaAdjoint = 0.0, informationTerm = 0.0, inverseSum = 0.0, squares = 0.0, designSum = 0.0
        for level in 0..<levelCount {
            let bl = b[level]
            let a = adjoint[level] - bl * precision
            let s = scales[level]
            let e = epsilon[level]
            let inverse = inverses[level]
            let k = 2 * means[level] + s * e
            gradient[level] = a * s
            tauAdjoint += a * k * inverse
            sigmaAdjoint += a * (s * e / sigma - sigma * k * inverse)
            squares += bl * bl
            informationTerm += information[level] * inverse
            inverseSum += inverse
            let weight = a * tau2 * inverse
            if p == 1 {
                designSum += weight * design[level]
            } else {
                let c = design.baseAddress! + level * p
                for j in 0..<p { betaAdjoint[j] -= weight * c[j] }
            }
        }
        if p == 1 { betaAdjoint[0] -= designSum }
        let levels = Double(levelCount)
        return (tau: tauAdjoint * variance / tau + squares * precision / tau - informationTerm * tau,
                sigma: sigmaAdjoint + levels / sigma - sigma * inverseSum)
    }
}
