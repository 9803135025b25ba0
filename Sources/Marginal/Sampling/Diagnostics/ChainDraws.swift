/// Draws of one scalar quantity from several chains, `values[chain][draw]`, with the
/// reshaping steps the convergence diagnostics share (Vehtari, Gelman, Simpson, Carpenter &
/// Bürkner 2021, "Rank-normalization, folding, and localization: an improved R̂ for assessing
/// convergence of MCMC", Bayesian Analysis 16, 667–718; the `posterior` R package).
struct ChainDraws {
    var values: [[Double]]

    var chainCount: Int { values.count }
    var drawCount: Int { values.first?.count ?? 0 }
    var totalCount: Int { values.reduce(0) { $0 + $1.count } }

    /// All draws, chain after chain.
    var pooled: [Double] { values.flatMap { $0 } }

    /// Whether the diagnostics can be computed: at least one chain, all chains of the same
    /// length with at least `minimumDraws` draws, every value finite, and not all values equal
    /// (`posterior` returns NA for non-finite or constant input: |max − min| < machine ε).
    func isUsable(minimumDraws: Int) -> Bool {
        guard let first = values.first, first.count >= minimumDraws else { return false }
        var low = Double.infinity
        var high = -Double.infinity
        for chain in values {
            guard chain.count == first.count else { return false }
            for x in chain {
                guard x.isFinite else { return false }
                low = min(low, x)
                high = max(high, x)
            }
        }
        return high - low >= Double.ulpOfOne
    }

    /// Split chains: each chain of N draws becomes its first ⌊N/2⌋ and its last ⌊N/2⌋ draws
    /// (the middle draw is dropped when N is odd), so that 2M half-chains are compared and a
    /// trend within a chain shows up as disagreement between its halves.
    func split() -> ChainDraws {
        var halves: [[Double]] = []
        halves.reserveCapacity(2 * values.count)
        for chain in values {
            let half = chain.count / 2
            halves.append(Array(chain[0..<half]))
            halves.append(Array(chain[(chain.count - half)...]))
        }
        return ChainDraws(values: halves)
    }

    /// The same shape with every value replaced by `transform(value)`.
    func map(_ transform: (Double) -> Double) -> ChainDraws {
        ChainDraws(values: values.map { $0.map(transform) })
    }

    /// Folded draws |x − median(x)|, the median taken over all draws: R̂ of these detects chains
    /// that agree in location but differ in scale (Vehtari et al. 2021, §4.2).
    func folded() -> ChainDraws {
        let median = SampleQuantile.value(sorted: pooled.sorted(), probability: 0.5)
        return map { abs($0 - median) }
    }

    /// Rank-normalized draws: with r the average rank of a draw among all S draws (ties get the
    /// mean of their ranks), z = Φ⁻¹((r − 3/8)/(S + 1/4)), Blom's normal scores
    /// (Vehtari et al. 2021, eq. 14).
    func rankNormalized() -> ChainDraws {
        let flat = pooled
        let ranks = AverageRanks.of(flat)
        let s = Double(flat.count)
        var result: [[Double]] = []
        result.reserveCapacity(values.count)
        var offset = 0
        for chain in values {
            var z = [Double](repeating: 0, count: chain.count)
            for i in 0..<chain.count {
                z[i] = NormalQuantile.value((ranks[offset + i] - 0.375) / (s + 0.25))
            }
            offset += chain.count
            result.append(z)
        }
        return ChainDraws(values: result)
    }
}
