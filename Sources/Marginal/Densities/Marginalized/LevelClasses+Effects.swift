/// Recovery of the random effects of a single-factor model from its level classes.
extension LevelClasses {
    /// Scratch values ``solveEffects(lambda:v:noise:scale:scratch:into:)`` needs.
    var effectsScratchCount: Int { (classCount + 3) * dimension * dimension + 2 * dimension }

    /// u_c = L_c⁻ᵀ(L_c⁻¹λᵀF_cᵀv + scale·z_c) for every level c into `u` (levels × S), with
    /// L_c = chol(λᵀA_cλ + I) of the level's class and v = [−β; 1]: the same affine map as
    /// ``PenalizedLeastSquares/solveRandomEffects(beta:noise:scale:into:)``, whose right-hand side for
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
