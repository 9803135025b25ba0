import Foundation
import Testing
@testable import Marginal

/// Diagnostics against ArviZ (Fixtures/sampling/diagnostics_reference.json): rank-normalized
/// R̂, bulk/tail/mean/quantile ESS, MCSE of the mean, quantiles, E-BFMI. ArviZ and `posterior`
/// implement the same definitions (Vehtari et al. 2021); agreement is expected to rounding,
/// checked at 1e-9 relative (the brief asks for 1e-6).
@Suite struct DiagnosticsTests {
    static let tolerance = 1e-9

    @Test func convergenceDiagnosticsMatchArviZ() throws {
        let reference = try DiagnosticsReference.load()
        #expect(reference.cases.count == 5)
        for c in reference.cases {
            let checks: [(String, Double, Double)] = [
                ("rhat", Diagnostics.rhat(c.draws), c.rhat),
                ("rhatBulk", Diagnostics.rhatBulk(c.draws), c.rhat_bulk),
                ("rhatBasic", Diagnostics.rhatBasic(c.draws), c.rhat_basic),
                ("essBulk", Diagnostics.essBulk(c.draws), c.ess_bulk),
                ("essTail", Diagnostics.essTail(c.draws), c.ess_tail),
                ("essMean", Diagnostics.essMean(c.draws), c.ess_mean),
                ("essQ05", Diagnostics.essQuantile(c.draws, probability: 0.05), c.ess_q05),
                ("essQ95", Diagnostics.essQuantile(c.draws, probability: 0.95), c.ess_q95),
                ("mcseMean", Diagnostics.mcseMean(c.draws), c.mcse_mean),
            ]
            for (label, value, expected) in checks {
                #expect(
                    relativeError(value, expected) < Self.tolerance,
                    "\(c.name) \(label): \(value) vs ArviZ \(expected)")
            }
        }
    }

    @Test func summaryMatchesArviZAndNumpy() throws {
        let reference = try DiagnosticsReference.load()
        for c in reference.cases {
            let s = ParameterSummary(name: c.name, draws: c.draws)
            #expect(s.name == c.name)
            let checks: [(String, Double, Double)] = [
                ("mean", s.mean, c.mean), ("sd", s.sd, c.sd), ("mcse", s.mcse, c.mcse_mean),
                ("q5", s.q5, c.q5), ("q50", s.q50, c.q50), ("q95", s.q95, c.q95),
                ("essBulk", s.essBulk, c.ess_bulk), ("essTail", s.essTail, c.ess_tail),
                ("rhat", s.rhat, c.rhat),
            ]
            for (label, value, expected) in checks {
                #expect(
                    relativeError(value, expected) < Self.tolerance,
                    "\(c.name) \(label): \(value) vs \(expected)")
            }
        }
    }

    @Test func energyBFMIMatchesArviZ() throws {
        let reference = try DiagnosticsReference.load()
        for c in reference.cases {
            for (chain, expected) in zip(c.draws, c.bfmi) {
                #expect(relativeError(Diagnostics.energyBFMI(chain), expected) < Self.tolerance)
            }
        }
    }

    /// The antithetic case is where the N·log₁₀N cap binds: 800 draws give 800·log₁₀ 800.
    @Test func antitheticESSIsCapped() throws {
        let reference = try DiagnosticsReference.load()
        let antithetic = try #require(reference.cases.first { $0.name == "antithetic" })
        let cap = 800 * log10(800.0)
        #expect(abs(Diagnostics.essBulk(antithetic.draws) - cap) < 1e-9 * cap)
    }

    /// scipy's `ndtri` (Cephes) and AS 241 differ by a few ulps; against R's `qnorm` (also
    /// AS 241) the values agree to the last bit (R 4.2.2, `print(qnorm(p), digits = 17)`).
    @Test func normalQuantileMatchesScipyAndR() throws {
        let reference = try DiagnosticsReference.load()
        for (p, z) in zip(reference.normal_quantile.p, reference.normal_quantile.z) {
            let value = NormalQuantile.value(p)
            #expect(abs(value - z) <= 1e-15 * max(1, abs(z)), "Φ⁻¹(\(p)) = \(value), scipy \(z)")
        }
        #expect(NormalQuantile.value(0.075) == -1.43953147093845568)
        #expect(NormalQuantile.value(0.95) == 1.64485362695147153)
        #expect(NormalQuantile.value(0.2) == -0.84162123357291418)
        #expect(NormalQuantile.value(0.01) == -2.32634787404084076)
        #expect(NormalQuantile.value(0) == -.infinity)
        #expect(NormalQuantile.value(1) == .infinity)
        #expect(NormalQuantile.value(1.5).isNaN)
    }

    /// FFT autocovariance against the direct O(N²) sum.
    @Test func autocovarianceMatchesDirectSum() {
        var random = RandomSource(seed: 7)
        for n in [1, 2, 3, 17, 64, 100] {
            let x = (0..<n).map { _ in random.normal() }
            let mean = x.reduce(0, +) / Double(n)
            let fast = Autocovariance.biased(x)
            for t in 0..<n {
                var direct = 0.0
                for i in 0..<(n - t) { direct += (x[i] - mean) * (x[i + t] - mean) }
                direct /= Double(n)
                #expect(abs(fast[t] - direct) < 1e-13, "n = \(n), lag \(t)")
            }
        }
    }

    @Test func averageRanksShareTies() {
        #expect(AverageRanks.of([3, 1, 2, 1, 3, 3]) == [5, 1.5, 3, 1.5, 5, 5])
    }

    /// R's quantile(c(1, 2, 4, 8), c(0, 0.1, 0.5, 1)) is 1, 1.3, 3, 8.
    @Test func typeSevenQuantiles() {
        let x: [[Double]] = [[8, 1], [4, 2]]
        #expect(Diagnostics.quantile(x, probability: 0) == 1)
        #expect(abs(Diagnostics.quantile(x, probability: 0.1) - 1.3) < 1e-15)
        #expect(Diagnostics.quantile(x, probability: 0.5) == 3)
        #expect(Diagnostics.quantile(x, probability: 1) == 8)
    }

    @Test func unusableDrawsGiveNaN() {
        let constant: [[Double]] = [[1, 1, 1, 1], [1, 1, 1, 1]]
        let ragged: [[Double]] = [[1, 2, 3, 4], [1, 2, 3]]
        let short: [[Double]] = [[1, 2, 3], [2, 3, 1]]
        let infinite: [[Double]] = [[1, 2, 3, .infinity], [1, 2, 3, 4]]
        for draws in [constant, ragged, short, infinite, []] {
            #expect(Diagnostics.rhat(draws).isNaN)
            #expect(Diagnostics.essBulk(draws).isNaN)
            #expect(Diagnostics.essTail(draws).isNaN)
            #expect(Diagnostics.mcseMean(draws).isNaN)
        }
        #expect(Diagnostics.energyBFMI([1]).isNaN)
        #expect(ParameterSummary(name: "x", draws: []).mean.isNaN)
    }
}
