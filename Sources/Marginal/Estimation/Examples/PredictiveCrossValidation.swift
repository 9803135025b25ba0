import Foundation

/// K-fold cross-validation of the prior variance σ² in y = w x + ε, ε ~ N(0, s²), w ~ N(0, σ²):
/// the score is the log predictive density of each held-out fold under the posterior from the
/// other folds,
///
///     CV(σ²) = Σ_k Σ_{i ∈ fold k} log N(yᵢ; m_k xᵢ, s² + xᵢ² / P_k),
///     P_k = S_xx,−k / s² + 1/σ²,   m_k = (S_xy,−k / s²) / P_k,
///
/// maximized over log σ² by a grid (step 0.05 on [−20, 20]) and golden-section refinement
/// inside the best grid cell.
struct PredictiveCrossValidation {
    let x: [Double]
    let y: [Double]
    let noiseSD: Double
    /// The fold of each observation.
    let fold: [Int]
    let folds: Int

    /// Folds of near-equal size in a random order drawn from `random`.
    init(x: [Double], y: [Double], noiseSD: Double, folds: Int, random: inout RandomSource) {
        self.x = x
        self.y = y
        self.noiseSD = noiseSD
        self.folds = folds
        var order = Array(x.indices)
        random.shuffle(&order)
        var fold = [Int](repeating: 0, count: x.count)
        for (position, i) in order.enumerated() { fold[i] = position % folds }
        self.fold = fold
    }

    func score(logSigma2 rho: Double) -> Double {
        let s2 = noiseSD * noiseSD
        var sxx = [Double](repeating: 0, count: folds), sxy = sxx
        for i in x.indices {
            sxx[fold[i]] += x[i] * x[i]
            sxy[fold[i]] += x[i] * y[i]
        }
        let totalXX = sxx.reduce(0, +), totalXY = sxy.reduce(0, +)
        let priorPrecision = exp(-rho)
        var total = 0.0
        for i in x.indices {
            let k = fold[i]
            let precision = (totalXX - sxx[k]) / s2 + priorPrecision
            let mean = ((totalXY - sxy[k]) / s2) / precision
            let variance = s2 + x[i] * x[i] / precision
            let r = y[i] - mean * x[i]
            total += -0.5 * log(2 * Double.pi * variance) - r * r / (2 * variance)
        }
        return total
    }

    /// The maximizing log σ² and the score there.
    func maximize() -> (logSigma2: Double, score: Double) {
        let step = 0.05
        var best = (rho: -20.0, value: score(logSigma2: -20))
        var rho = -20.0
        while rho <= 20 {
            let value = score(logSigma2: rho)
            if value > best.value { best = (rho, value) }
            rho += step
        }
        // Golden-section search on [best − step, best + step].
        let ratio = (5.0.squareRoot() - 1) / 2
        var a = best.rho - step, b = best.rho + step
        var c = b - ratio * (b - a), d = a + ratio * (b - a)
        var fc = score(logSigma2: c), fd = score(logSigma2: d)
        for _ in 0..<60 {
            if fc > fd {
                b = d; d = c; fd = fc
                c = b - ratio * (b - a); fc = score(logSigma2: c)
            } else {
                a = c; c = d; fc = fd
                d = a + ratio * (b - a); fd = score(logSigma2: d)
            }
        }
        let refined = (a + b) / 2
        let value = score(logSigma2: refined)
        return value >= best.value ? (refined, value) : (best.rho, best.value)
    }
}
