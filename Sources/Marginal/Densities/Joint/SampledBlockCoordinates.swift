import Foundation

/// How the sampled random effects b of one engine block are made from a density's coordinates
/// (``RandomEffectParameterization``), and the block's prior term with its gradient, shared by
/// the joint (``JointMixedModelDensity``) and one-class (``OneClassMarginalizedDensity``) densities.
///
/// A density calls ``effects(coordinates:factor:sigma:beta:cache:into:)`` for b, evaluates its
/// likelihood and ∂ℓ/∂b, then ``pullBack(coordinates:factor:sigma:effects:adjoint:cache:scratch:gradient:factorAdjoint:betaAdjoint:)``,
/// which adds the log density of b under its prior N(0, Σ), Σ = T Tᵀ, plus the log Jacobian of
/// coordinates ↦ b, and turns ∂ℓ/∂b into the gradient with respect to the coordinates, T, β and σ:
///
/// - centered: b itself, term −(S/2) log 2π − log |T| − ½ ‖T⁻¹ b_j‖² per level;
/// - non-centered: z with b_j = T z_j, term log N(z_j; 0, I) (the Jacobian |T| per level cancels
///   the prior's 1/|T|);
/// - partial (one-column blocks; others fall back to non-centered): ε with b_l = m_l + s_l ε_l
///   (``PartialCentering``).
struct SampledBlockCoordinates: Sendable {
    enum Form: Sendable {
        case centered
        case nonCentered
        case partial(PartialCentering)
    }

    let entry: SampledEffectsLayout.Entry
    let form: Form

    /// The coordinates of `entry` in `parameterization`; `partial` makes the statistics of a
    /// one-column block (blocks with several columns take the non-centered form instead).
    init(entry: SampledEffectsLayout.Entry, parameterization: RandomEffectParameterization, partial: () -> PartialCentering) {
        self.entry = entry
        switch parameterization {
        case .centered: form = .centered
        case .nonCentered: form = .nonCentered
        case .partial: form = entry.dimension == 1 ? .partial(partial()) : .nonCentered
        }
    }

    /// Scratch values the form keeps between the two calls: for partial m, s, 1/D per level and
    /// the forward value.
    var cacheCount: Int {
        if case .partial = form { return 3 * entry.levelCount + 1 }
        return 0
    }

    /// The form's name for its coordinates, `symbol[group][level,column]`: `r` (the effects),
    /// `z` (non-centered) or `e` (partial).
    var symbol: String {
        switch form {
        case .centered: return "r"
        case .nonCentered: return "z"
        case .partial: return "e"
        }
    }

    /// b (ℓ × S, level-major) from the block's coordinates `x` (its first value), T (`t`), σ and β.
    func effects(
        coordinates x: UnsafePointer<Double>, factor t: UnsafePointer<Double>, sigma: Double, beta: UnsafePointer<Double>,
        cache: UnsafeMutablePointer<Double>, into b: UnsafeMutablePointer<Double>
    ) {
        let s = entry.dimension
        switch form {
        case .centered:
            b.update(from: x, count: entry.count)
        case .nonCentered:
            if s == 1 {
                let t0 = t[0]
                for level in 0..<entry.levelCount { b[level] = t0 * x[level] }
            } else {
                for level in 0..<entry.levelCount {
                    SmallMatrix.lowerTimes(t, x + level * s, into: b + level * s, size: s)
                }
            }
        case .partial(let statistics):
            cache[3 * entry.levelCount] = statistics.forward(tau: t[0], sigma: sigma, beta: beta, epsilon: x, into: b, cache: cache)
        }
    }

    /// The block's prior term (with −(ℓS/2) log 2π and the log Jacobian) at b, given ∂ℓ/∂b
    /// (`adjoint`, the likelihood's): writes ∂/∂coordinates into `gradient` and ∂/∂T (lower
    /// triangle) into `factorAdjoint`, adds to ∂/∂β, and returns the term and its ∂/∂σ.
    /// `scratch` holds 2S values.
    func pullBack(
        coordinates x: UnsafePointer<Double>, factor t: UnsafePointer<Double>, sigma: Double,
        effects b: UnsafePointer<Double>, adjoint: UnsafePointer<Double>, cache: UnsafePointer<Double>,
        scratch: UnsafeMutablePointer<Double>, gradient g: UnsafeMutablePointer<Double>,
        factorAdjoint: UnsafeMutablePointer<Double>, betaAdjoint: UnsafeMutablePointer<Double>
    ) -> (value: Double, sigmaAdjoint: Double) {
        let s = entry.dimension
        let levels = entry.levelCount
        factorAdjoint.update(repeating: 0, count: s * s)
        var value = -0.5 * Double(entry.count) * JointWorkspaceLayout.logTwoPi
        var squares = 0.0
        switch form {
        case .centered where s == 1:
            // Scalar T = t: u = b/t, q = u/t.
            let inverse = 1 / t[0]
            var tAdjoint = 0.0
            for level in 0..<levels {
                let ul = b[level] * inverse
                let ql = ul * inverse
                squares += ul * ul
                g[level] = adjoint[level] - ql
                tAdjoint += ql * ul
            }
            value -= Double(levels) * log(t[0])
            factorAdjoint[0] = tAdjoint - Double(levels) * inverse
        case .nonCentered where s == 1:
            let t0 = t[0]
            var tAdjoint = 0.0
            for level in 0..<levels {
                squares += x[level] * x[level]
                g[level] = t0 * adjoint[level] - x[level]
                tAdjoint += adjoint[level] * x[level]
            }
            factorAdjoint[0] = tAdjoint
        case .centered:
            // u = T⁻¹b, q = T⁻ᵀu = Σ⁻¹b: ∂/∂b = −q, ∂/∂T = q uᵀ − ℓ·diag(1/T_aa).
            let u = scratch
            let q = scratch + s
            for level in 0..<levels {
                let bl = b + level * s
                for a in 0..<s { u[a] = bl[a] }
                SmallMatrix.solveLower(t, u, size: s)
                for a in 0..<s {
                    squares += u[a] * u[a]
                    q[a] = u[a]
                }
                SmallMatrix.solveLowerTransposed(t, q, size: s)
                let gradient = g + level * s
                for a in 0..<s { gradient[a] = adjoint[level * s + a] - q[a] }
                for c in 0..<s {
                    for a in c..<s { factorAdjoint[a + c * s] += q[a] * u[c] }
                }
            }
            value -= Double(levels) * SmallMatrix.logDiagonal(t, size: s)
            for a in 0..<s { factorAdjoint[a + a * s] -= Double(levels) / t[a + a * s] }
        case .nonCentered:
            // ∂/∂z = Tᵀ(∂ℓ/∂b) − z, ∂/∂T = Σ_j (∂ℓ/∂b_j) z_jᵀ.
            for level in 0..<levels {
                let z = x + level * s
                let al = adjoint + level * s
                let gradient = g + level * s
                SmallMatrix.lowerTransposedTimes(t, al, into: gradient, size: s)
                for a in 0..<s {
                    squares += z[a] * z[a]
                    gradient[a] -= z[a]
                }
                for c in 0..<s {
                    for a in c..<s { factorAdjoint[a + c * s] += al[a] * z[c] }
                }
            }
        case .partial(let statistics):
            let adjoints = statistics.backward(
                tau: t[0], sigma: sigma, epsilon: x, effects: b, cache: cache, adjoint: adjoint,
                gradient: g, betaAdjoint: betaAdjoint)
            factorAdjoint[0] = adjoints.tau
            return (value + cache[3 * levels], adjoints.sigma)
        }
        return (value - 0.5 * squares, 0)
    }

    /// The coordinates of effects b (inverse of ``effects(coordinates:factor:sigma:beta:cache:into:)``):
    /// b, T⁻¹b level by level, or (b − m)/s.
    func coordinates(
        effects b: UnsafePointer<Double>, factor t: UnsafePointer<Double>, sigma: Double, beta: UnsafePointer<Double>,
        cache: UnsafeMutablePointer<Double>, into x: UnsafeMutablePointer<Double>
    ) {
        let s = entry.dimension
        switch form {
        case .centered:
            x.update(from: b, count: entry.count)
        case .nonCentered:
            x.update(from: b, count: entry.count)
            for level in 0..<entry.levelCount { SmallMatrix.solveLower(t, x + level * s, size: s) }
        case .partial(let statistics):
            // m and s do not depend on ε: a forward pass at ε = 0 gives them.
            let zeros = [Double](repeating: 0, count: entry.levelCount)
            let means = UnsafeMutablePointer<Double>.allocate(capacity: entry.levelCount)
            defer { means.deallocate() }
            zeros.withUnsafeBufferPointer { e in
                _ = statistics.forward(tau: t[0], sigma: sigma, beta: beta, epsilon: e.baseAddress!, into: means, cache: cache)
            }
            for level in 0..<entry.levelCount { x[level] = (b[level] - cache[level]) / cache[entry.levelCount + level] }
        }
    }
}
