import Foundation

/// The class sums the likelihood and its gradient need at one λ (see ``LevelClasses``).
extension LevelClasses {
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
