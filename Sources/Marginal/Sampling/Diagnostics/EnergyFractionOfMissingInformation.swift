extension Diagnostics {
    /// The energy Bayesian fraction of missing information (E-BFMI) of one chain, from the
    /// Hamiltonian energies E_n of its iterations (Betancourt 2016, "Diagnosing suboptimal
    /// cotangent disintegrations in Hamiltonian Monte Carlo", eq. 5):
    /// E-BFMI = mean_n (E_n − E_{n−1})² / var(E), the variance with denominator N − 1 as in
    /// ArviZ's `bfmi`. Values below 0.3 indicate that momentum resampling moves the energy too
    /// little to explore the marginal energy distribution (heavy tails, funnels).
    /// NaN for fewer than 2 energies, a non-finite energy or constant energies.
    public static func energyBFMI(_ energies: [Double]) -> Double {
        guard energies.count >= 2, energies.allSatisfy(\.isFinite) else { return .nan }
        var squaredSteps = 0.0
        for n in 1..<energies.count {
            let step = energies[n] - energies[n - 1]
            squaredSteps += step * step
        }
        let variance = SampleMoments.variance(energies)
        guard variance > 0 else { return .nan }
        return squaredSteps / Double(energies.count - 1) / variance
    }
}
