/// Scores of an estimate against the truth, for the simulation study (``AladynExample``).
enum AladynRecovery {
    /// Pearson's correlation (0 when either side is constant).
    static func correlation(_ x: [Double], _ y: [Double]) -> Double {
        let n = Double(min(x.count, y.count))
        guard n > 1 else { return 0 }
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) {
            sxy += (a - mx) * (b - my)
            sxx += (a - mx) * (a - mx)
            syy += (b - my) * (b - my)
        }
        return sxx > 0 && syy > 0 ? sxy / (sxx * syy).squareRoot() : 0
    }

    /// The OLS slope of y on x (with intercept): cov(x, y)/var(x); 1 means no attenuation.
    static func slope(_ y: [Double], on x: [Double]) -> Double {
        let n = Double(min(x.count, y.count))
        guard n > 1 else { return 0 }
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0
        for (a, b) in zip(x, y) {
            sxy += (a - mx) * (b - my)
            sxx += (a - mx) * (a - mx)
        }
        return sxx > 0 ? sxy / sxx : 0
    }

    /// γ (P × K) with each covariate's mean over the K signatures removed: the part of γ the
    /// softmax can see (adding the same amount to every signature's λ leaves θ unchanged, up to
    /// the healthy signature).
    static func removingCovariateMeans(_ gamma: [Double], covariates p: Int, signatures k: Int) -> [Double] {
        var out = gamma
        for c in 0..<p {
            let mean = (0..<k).reduce(0.0) { $0 + gamma[c * k + $1] } / Double(k)
            for j in 0..<k { out[c * k + j] -= mean }
        }
        return out
    }

    /// For each fitted signature j, the true signature it plays: the pairs of highest correlation
    /// between ψ rows (K × D each), taken greedily.
    static func matchSignatures(estimate: [Double], truth: [Double], signatures k: Int, diseases d: Int) -> [Int] {
        var pairs: [(score: Double, fitted: Int, true: Int)] = []
        for j in 0..<k {
            for m in 0..<k {
                pairs.append((correlation(Array(estimate[(j * d)..<((j + 1) * d)]), Array(truth[(m * d)..<((m + 1) * d)])), j, m))
            }
        }
        var match = Array(0..<k)
        var usedFitted = Set<Int>(), usedTrue = Set<Int>()
        for pair in pairs.sorted(by: { $0.score > $1.score }) where !usedFitted.contains(pair.fitted) && !usedTrue.contains(pair.true) {
            match[pair.fitted] = pair.true
            usedFitted.insert(pair.fitted)
            usedTrue.insert(pair.true)
        }
        return match
    }
}
