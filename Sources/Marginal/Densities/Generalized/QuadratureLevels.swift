import Foundation

/// The rows of each level of a scalar random-effect term and their terms of the likelihood, read
/// by ``GeneralizedMixedDensity`` and ``QuadratureIntegral`` in level order (without a term, every
/// row in one level, in data order): zᵢ, mᵢ, mᵢyᵢ and cᵢ in
/// ℓᵢ(η) = mᵢ(yᵢη − b(η)) + cᵢ for a canonical link (``Link/canonicalTerms(_:)``; cᵢ from the
/// family's log-likelihood at η = 0), with each level's
/// f(u) = Σᵢ ℓᵢ(aᵢ + τzᵢu) − u²/2 and its mode. Immutable, so the density's hot loops read it
/// through one local copy.
struct QuadratureLevels: Sendable {
    /// The rows of each level: rows.order[rows.start[j] ..< rows.start[j + 1]].
    let rows: CountingSort
    let z: [Double]
    let m: [Double]
    let my: [Double]
    let constants: [Double]
    let link: Link

    init(model: GeneralizedLinearMixedModel, block: RandomEffectBlock?) {
        let rows = block.map { CountingSort(codes: $0.codes, levels: $0.levelCount) }
            ?? CountingSort(codes: Array(repeating: 0, count: model.design.nobs), levels: 1)
        self.rows = rows
        z = rows.order.map { block?.z[0, $0] ?? 0 }
        let y = rows.order.map { model.design.response[$0] }
        let m = rows.order.map { model.priorWeights[$0] }
        self.m = m
        my = zip(m, y).map { $0 * $1 }
        link = model.link
        let atZero = model.link.canonicalTerms(0)?.cumulant ?? 0
        constants = y.indices.map { model.family.logLikelihood(y[$0], model.link.mean(0), weight: m[$0]) + m[$0] * atZero }
    }

    /// ℓ, ℓ′, ℓ″ and ℓ‴ at η for row k (level order).
    @inline(__always) func derivatives(_ k: Int, eta: Double) -> (value: Double, first: Double, second: Double, third: Double) {
        guard let t = link.canonicalTerms(eta) else { return (.nan, .nan, .nan, .nan) }
        let w = m[k]
        return (my[k] * eta - w * t.cumulant + constants[k], my[k] - w * t.mean, -w * t.derivative, -w * t.second)
    }

    /// Σᵢ ℓᵢ(ηᵢ) over every row (level order), with ℓᵢ′(ηᵢ) into `rowGradient`; `factors` is
    /// scratch of one value per row. For the logit link the cumulant
    /// b(η) = max(η, 0) + log(1 + e^{−|η|}) of a row with mᵢ = 1 (a Bernoulli trial) is summed
    /// through the logarithm of the product of the 1 + e^{−|η|} ∈ (1, 2]
    /// (``VectorKernels/logProduct(_:count:stride:)``): one logarithm per 16 rows instead of one
    /// per row, at an absolute error of a few ulps per row, as the sum itself has.
    func logLikelihood(_ eta: UnsafePointer<Double>, rowGradient: UnsafeMutablePointer<Double>, factors: UnsafeMutablePointer<Double>) -> Double {
        let n = m.count
        var total = 0.0
        guard link == .logit else {
            for k in 0..<n {
                let d = derivatives(k, eta: eta[k])
                total += d.value
                rowGradient[k] = d.first
            }
            return total
        }
        m.withUnsafeBufferPointer { m in
            my.withUnsafeBufferPointer { my in
                constants.withUnsafeBufferPointer { constants in
                    for k in 0..<n {
                        let a = eta[k], w = m[k]
                        let e = Foundation.exp(-abs(a))
                        let onePlus = 1 + e
                        let mean = (a >= 0 ? 1 : e) / onePlus
                        rowGradient[k] = my[k] - w * mean
                        total += my[k] * a - w * max(a, 0) + constants[k]
                        if w == 1 {
                            factors[k] = onePlus
                        } else {
                            factors[k] = 1
                            total -= w * Foundation.log1p(e)
                        }
                    }
                }
            }
        }
        return total - VectorKernels.logProduct(factors, count: n)
    }

    /// f(u) of the level whose rows (level order) are `range`, with aᵢ in `offsets`.
    func value(_ range: Range<Int>, offsets: [Double], tau: Double, _ u: Double) -> Double {
        var f = -u * u / 2
        for k in range { f += derivatives(k, eta: offsets[k] + tau * z[k] * u).value }
        return f
    }

    /// û of the level's f by Newton's method from `start`, halving a step that lowers f; nil when
    /// it does not converge in 100 steps (η out of range).
    func mode(_ range: Range<Int>, offsets: [Double], tau: Double, start: Double) -> Double? {
        var u = start.isFinite ? start : 0
        var current = value(range, offsets: offsets, tau: tau, u)
        for _ in 0..<100 {
            var (first, second) = (-u, -1.0)
            for k in range {
                let d = derivatives(k, eta: offsets[k] + tau * z[k] * u)
                first += tau * z[k] * d.first
                second += tau * tau * z[k] * z[k] * d.second
            }
            let step = -first / second
            if abs(step) <= 1e-12 * (1 + abs(u)) { return u + step }
            var length = 1.0
            var moved = false
            for _ in 0..<40 {
                let candidate = u + length * step
                let next = value(range, offsets: offsets, tau: tau, candidate)
                if next.isFinite, next >= current - 1e-12 * abs(current) {
                    (u, current, moved) = (candidate, next, true)
                    break
                }
                length /= 2
            }
            if !moved { return u }
        }
        return nil
    }
}
