#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension NoUTurnSampler {
    /// Stan's step-size initialization heuristic (`base_hmc::init_stepsize`; in the spirit of
    /// Hoffman & Gelman 2014, Algorithm 4), run at the start and after every metric update.
    ///
    /// With fresh momentum, one leapfrog step of size ε from `point` changes the Hamiltonian by
    /// ΔH = H₀ − H. If ΔH > log 0.8 (acceptance above 0.8) the step is too cautious and ε is
    /// doubled until a trial — each with new momentum — has ΔH ≤ log 0.8; otherwise ε is
    /// halved until a trial has ΔH ≥ log 0.8. The step size that the last trial used is kept.
    /// ε > 10⁷ means the density does not decay (improper); ε = 0 that no step is accurate.
    mutating func initializeStepSize(at point: PhaseSpacePoint, chain: Int) throws(SamplingError) {
        guard stepSize > 0, stepSize <= 1e7, !stepSize.isNaN else { return }
        let threshold = log(0.8)

        func energyChange(_ sampler: inout NoUTurnSampler) -> Double {
            var z = point
            sampler.hamiltonian.sampleMomentum(&z, using: &sampler.random)
            let h0 = sampler.hamiltonian.energy(z)
            sampler.hamiltonian.leapfrog(&z, stepSize: sampler.stepSize)
            var h = sampler.hamiltonian.energy(z)
            if h.isNaN { h = .infinity }
            return h0 - h
        }

        let increase = energyChange(&self) > threshold
        while true {
            let deltaH = energyChange(&self)
            if increase, !(deltaH > threshold) { break }
            if !increase, !(deltaH < threshold) { break }
            stepSize = increase ? 2 * stepSize : 0.5 * stepSize
            if stepSize > 1e7 { throw .improperPosterior(chain: chain) }
            if stepSize == 0 { throw .stepSizeUnderflow(chain: chain) }
        }
    }
}
