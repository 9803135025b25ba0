import Foundation

/// Sufficient statistics of a model with a single grouping factor, with its levels grouped into
/// classes of equal Z_cᵀZ_c, so that the marginal likelihood and its gradient cost O(classes)
/// instead of O(levels).
///
/// With one grouping factor (S × S relative factor λ, levels c) and d = p + 1 columns [X y], the
/// matrix M = ΛᵀZᵀZΛ + I is block-diagonal with blocks B_c = λᵀA_cλ + I, A_c = Z_cᵀZ_c, and the
/// blocked factor of ``BlockedCholesky`` is, per level, L_c = chol(B_c), the panel
/// P_c = F_c λ L_c⁻ᵀ with F_c = [X y]ᵀZ_c (d × S), and the d × d trailing factor
/// chol([X y]ᵀ[X y] − Σ_c P_cP_cᵀ). Every level-dependent quantity the density needs depends on
/// the level only through A_c and F_c, and on F_c only through outer products:
///
/// - Σ_c P_cP_cᵀ = Σ_c F_c K_c F_cᵀ with K_c = λ B_c⁻¹ λᵀ, i.e. Σ_{s≤t} K_c[s,t] H_c^{st} with
///   H^{ss} = F[:,s]F[:,s]ᵀ and H^{st} = F[:,s]F[:,t]ᵀ + F[:,t]F[:,s]ᵀ (s < t);
/// - with v = [−β; 1] and ũ_c = B_c⁻¹λᵀF_cᵀv: Σ_c ũ_cũ_cᵀ = Σ_c B_c⁻¹ λᵀ R_c λ B_c⁻¹ with
///   R_c[s,t] = vᵀF_c[:,s] F_c[:,t]ᵀv = vᵀH_c^{st}v (halved for s < t);
/// - log det M = Σ_c log det B_c and Σ_c (M⁻¹)_cc = Σ_c B_c⁻¹.
///
/// So levels with equal A_c form one class whose H's are summed once, here: a balanced design
/// (every level with the same rows of Z, as in most designed experiments and in sleepstudy)
/// has a single class, and random intercepts have one class per distinct group size.
/// The statistics are used only when they save work: classes × (S + 1) ≤ levels.
/// A class (shared, immutable) so that evaluations pass it around without retaining its arrays.
final class LevelClasses: Sendable {
    /// S, the random effects per level.
    let dimension: Int
    /// d = p + 1.
    let columns: Int
    /// d(d + 1)/2: symmetric d × d matrices are stored packed, lower triangle column by column.
    let packedCount: Int
    /// S(S + 1)/2 pairs s ≤ t, in the order (0,0), (1,0), …, (S−1,0), (1,1), …
    let pairCount: Int
    let levelCount: Int
    let classCount: Int
    /// Number of levels in each class.
    let multiplicity: [Double]
    /// A_k, S × S column-major per class.
    let crossProducts: [Double]
    /// Σ_{c∈k} H_c^{st}: per class, per pair, `packedCount` values.
    let outerProducts: [Double]
    /// [X y]ᵀ[X y] packed.
    let fixedCrossProducts: [Double]
    /// The class of each level, and F_c = [X y]ᵀZ_c per level (d × S column-major, level after
    /// level: the cross-product panels), for drawing the random effects.
    let classOfLevel: [Int32]
    let levelCrossProducts: [Double]

    /// The classes of a single-factor model, or nil when the model has more than one grouping
    /// factor or (with `onlyIfCheaper`) the classes would not save work or memory.
    init?(products: CrossProducts, onlyIfCheaper: Bool = true) {
        guard products.fixedOffset == 0 else { return nil }
        let s = products.firstDimension
        let levels = products.firstLevels
        let d = products.trailingSize
        let ss = s * s
        var classOf: [[UInt64]: Int] = [:]
        var classes: [Int] = []
        var levelClass = [Int](repeating: 0, count: levels)
        for c in 0..<levels {
            let key = (0..<ss).map { products.firstDiagonal[c * ss + $0].bitPattern }
            if let k = classOf[key] {
                levelClass[c] = k
            } else {
                classOf[key] = classes.count
                levelClass[c] = classes.count
                classes.append(c)
            }
        }
        let packed = d * (d + 1) / 2
        let pairs = s * (s + 1) / 2
        guard !onlyIfCheaper || (classes.count * (s + 1) <= levels && classes.count * pairs * packed <= 1 << 22) else { return nil }
        dimension = s
        columns = d
        packedCount = packed
        pairCount = pairs
        levelCount = levels
        classCount = classes.count
        var multiplicity = [Double](repeating: 0, count: classes.count)
        for c in 0..<levels { multiplicity[levelClass[c]] += 1 }
        self.multiplicity = multiplicity
        crossProducts = classes.flatMap { c in products.firstDiagonal[(c * ss)..<((c + 1) * ss)] }
        var outer = [Double](repeating: 0, count: classes.count * pairs * packed)
        for c in 0..<levels {
            // F_c = panel c: d × S column-major (its rows are the X columns, then y).
            let f = c * d * s
            var pair = 0
            for t in 0..<s {
                for u in t..<s {
                    let base = (levelClass[c] * pairs + pair) * packed
                    var index = 0
                    for j in 0..<d {
                        for i in j..<d {
                            var value = products.panels[f + i + t * d] * products.panels[f + j + u * d]
                            if u != t { value += products.panels[f + i + u * d] * products.panels[f + j + t * d] }
                            outer[base + index] += value
                            index += 1
                        }
                    }
                    pair += 1
                }
            }
        }
        outerProducts = outer
        var fixed = [Double](repeating: 0, count: packed)
        var index = 0
        for j in 0..<d {
            for i in j..<d {
                fixed[index] = products.trailing[i + j * d]
                index += 1
            }
        }
        fixedCrossProducts = fixed
        classOfLevel = levelClass.map { Int32($0) }
        levelCrossProducts = products.panels
    }

    /// Scratch values ``accumulate(lambda:v:into:scratch:)`` needs.
    var scratchCount: Int { 7 * dimension * dimension }

    /// The class sums at λ, written into `terms`; with `v` = [−β; 1] also Σ_c ũ_cũ_cᵀ.
    /// Returns false when some B_c is not positive definite (only through overflow or NaN).
    func accumulate(
        lambda: UnsafePointer<Double>, v: UnsafePointer<Double>?, into terms: inout LevelClassTerms,
        scratch: UnsafeMutablePointer<Double>
    ) -> Bool {
        let s = dimension
        let ss = s * s
        let packed = packedCount
        terms.downdate.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        terms.inverseSum.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        terms.effectMoments.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        if let v {
            // V = v vᵀ packed, off-diagonal entries doubled, so that vᵀHv = Σ H·V.
            terms.quadraticWeights.withUnsafeMutableBufferPointer { w in
                var index = 0
                for j in 0..<columns {
                    for i in j..<columns {
                        w[index] = (i == j ? 1 : 2) * v[i] * v[j]
                        index += 1
                    }
                }
            }
        }
        var logDeterminant = 0.0
        var ok = true
        multiplicity.withUnsafeBufferPointer { np in
        crossProducts.withUnsafeBufferPointer { ap in
        outerProducts.withUnsafeBufferPointer { hp in
        terms.downdate.withUnsafeMutableBufferPointer { downdate in
        terms.inverseSum.withUnsafeMutableBufferPointer { inverseSum in
        terms.effectMoments.withUnsafeMutableBufferPointer { moments in
        terms.quadraticWeights.withUnsafeBufferPointer { weights in
            let n = np.baseAddress!, a = ap.baseAddress!, h = hp.baseAddress!
            let dd = downdate.baseAddress!, sumN = inverseSum.baseAddress!, sumU = moments.baseAddress!
            let w = weights.baseAddress!
            if s == 1 {
                let l2 = lambda[0] * lambda[0]
                var logSum = 0.0
                var inverse = 0.0
                var moment = 0.0
                for k in 0..<classCount {
                    let b = l2 * a[k] + 1
                    let bInverse = 1 / b
                    logSum += n[k] * Foundation.log(b)
                    inverse += n[k] * bInverse
                    let outer = h + k * packed
                    VectorKernels.axpy(l2 * bInverse, outer, dd, count: packed)
                    if v != nil {
                        moment += l2 * bInverse * bInverse * VectorKernels.dot(outer, w, count: packed)
                    }
                }
                guard logSum.isFinite else { ok = false; return }
                logDeterminant = logSum
                sumN[0] = inverse
                sumU[0] = moment
                return
            }
            // Scratch: B (then L), L⁻¹, N = B⁻¹, λN, K = λNλᵀ, R, and work for the congruence.
            let b = scratch, linv = b + ss, nk = linv + ss, ln = nk + ss, kk = ln + ss, r = kk + ss, work = r + ss
            for k in 0..<classCount {
                SmallMatrix.congruence(lambda: lambda, a: a + k * ss, into: b, work: work, size: s)
                for i in 0..<s { b[i + i * s] += 1 }
                guard SmallMatrix.choleskyLower(b, size: s) else { ok = false; return }
                var diagonalProduct = 1.0
                for i in 0..<s { diagonalProduct *= b[i + i * s] }
                logDeterminant += 2 * n[k] * Foundation.log(diagonalProduct)
                SmallMatrix.inverseGram(lower: b, inverse: linv, into: nk, size: s)
                // K = λ N λᵀ (λ lower): ln = λ N, then K = ln λᵀ.
                for j in 0..<s {
                    for i in 0..<s {
                        var sum = 0.0
                        for m in 0...i { sum += lambda[i + m * s] * nk[m + j * s] }
                        ln[i + j * s] = sum
                    }
                }
                for j in 0..<s {
                    for i in j..<s {
                        var sum = 0.0
                        for m in 0...j { sum += ln[i + m * s] * lambda[j + m * s] }
                        kk[i + j * s] = sum
                    }
                }
                let classOuter = h + k * pairCount * packed
                var pair = 0
                for t in 0..<s {
                    for u in t..<s {
                        let outer = classOuter + pair * packed
                        VectorKernels.axpy(kk[u + t * s], outer, dd, count: packed)
                        if v != nil {
                            let value = VectorKernels.dot(outer, w, count: packed) * (u == t ? 1 : 0.5)
                            r[u + t * s] = value
                            r[t + u * s] = value
                        }
                        pair += 1
                    }
                }
                for j in 0..<s {
                    for i in 0..<s { sumN[i + j * s] += n[k] * nk[i + j * s] }
                }
                if v != nil {
                    // Σ ũũᵀ += (λN)ᵀ R (λN), with ln = λN (N symmetric).
                    for j in 0..<s {
                        for i in 0..<s {
                            var sum = 0.0
                            for m in 0..<s { sum += r[i + m * s] * ln[m + j * s] }
                            kk[i + j * s] = sum  // kk ← R (λN), K no longer needed
                        }
                    }
                    for j in 0..<s {
                        for i in 0..<s {
                            var sum = 0.0
                            for m in 0..<s { sum += ln[m + i * s] * kk[m + j * s] }
                            sumU[i + j * s] += sum
                        }
                    }
                }
            }
        }}}}}}}
        terms.logDeterminant = logDeterminant
        return ok && logDeterminant.isFinite
    }
}

extension LevelClasses {
    /// Scratch values ``solveEffects(lambda:v:noise:scale:scratch:into:)`` needs.
    var effectsScratchCount: Int { (classCount + 3) * dimension * dimension + 2 * dimension }

    /// u_c = L_c⁻ᵀ(L_c⁻¹λᵀF_cᵀv + scale·z_c) for every level c into `u` (levels × S), with
    /// L_c = chol(λᵀA_cλ + I) of the level's class and v = [−β; 1]: the same affine map as
    /// ``BlockedCholesky/solveRandomEffects(beta:noise:scale:into:)``, whose right-hand side for
    /// level c is P_cᵀv = L_c⁻¹λᵀF_cᵀv. Returns false when some class's B is not positive definite.
    func solveEffects(
        lambda: UnsafePointer<Double>, v: UnsafePointer<Double>, noise: UnsafePointer<Double>?, scale: Double,
        scratch: UnsafeMutablePointer<Double>, into u: UnsafeMutablePointer<Double>
    ) -> Bool {
        let s = dimension
        let ss = s * s
        let d = columns
        return crossProducts.withUnsafeBufferPointer { ap in
        classOfLevel.withUnsafeBufferPointer { cp in
        levelCrossProducts.withUnsafeBufferPointer { fp in
            let a = ap.baseAddress!, classes = cp.baseAddress!, f = fp.baseAddress!
            if s == 1 {
                // L_k = √(λ²a_k + 1), kept as 1/L_k.
                let l = lambda[0]
                let inverse = scratch
                for k in 0..<classCount { inverse[k] = 1 / (l * l * a[k] + 1).squareRoot() }
                for c in 0..<levelCount {
                    let ik = inverse[Int(classes[c])]
                    var value = l * VectorKernels.dot(f + c * d, v, count: d) * ik
                    if let noise { value += scale * noise[c] }
                    u[c] = value * ik
                }
                return true
            }
            let factors = scratch, work = scratch + classCount * ss
            let g = work + ss, w = g + s
            for k in 0..<classCount {
                let b = factors + k * ss
                SmallMatrix.congruence(lambda: lambda, a: a + k * ss, into: b, work: work, size: s)
                for i in 0..<s { b[i + i * s] += 1 }
                guard SmallMatrix.choleskyLower(b, size: s) else { return false }
            }
            for c in 0..<levelCount {
                let l = factors + Int(classes[c]) * ss
                let fc = f + c * d * s
                for t in 0..<s { g[t] = VectorKernels.dot(fc + t * d, v, count: d) }
                // w = λᵀg, then L y = w (forward), y += scale·z, Lᵀu = y (backward).
                for i in 0..<s {
                    var sum = 0.0
                    for k in i..<s { sum += lambda[k + i * s] * g[k] }
                    w[i] = sum
                }
                for i in 0..<s {
                    var sum = w[i]
                    for k in 0..<i { sum -= l[i + k * s] * w[k] }
                    w[i] = sum / l[i + i * s]
                }
                if let noise { for i in 0..<s { w[i] += scale * noise[c * s + i] } }
                let out = u + c * s
                for i in stride(from: s - 1, through: 0, by: -1) {
                    var sum = w[i]
                    for k in (i + 1)..<s { sum -= l[k + i * s] * out[k] }
                    out[i] = sum / l[i + i * s]
                }
            }
            return true
        }}}
    }
}

/// What ``LevelClasses/accumulate(lambda:v:into:scratch:)`` produces at one λ.
struct LevelClassTerms: Sendable {
    /// log det M.
    var logDeterminant = 0.0
    /// Σ_c P_cP_cᵀ, packed d × d.
    var downdate: [Double]
    /// Σ_c (M⁻¹)_cc, S × S.
    var inverseSum: [Double]
    /// Σ_c ũ_cũ_cᵀ, S × S.
    var effectMoments: [Double]
    /// v vᵀ packed with doubled off-diagonal entries.
    var quadraticWeights: [Double]

    init(classes: LevelClasses) {
        self.init(dimension: classes.dimension, packedCount: classes.packedCount)
    }

    init(dimension s: Int, packedCount: Int) {
        downdate = Array(repeating: 0, count: packedCount)
        inverseSum = Array(repeating: 0, count: s * s)
        effectMoments = Array(repeating: 0, count: s * s)
        quadraticWeights = Array(repeating: 0, count: packedCount)
    }
}
