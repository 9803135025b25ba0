import Foundation

/// Data from ALADYN's generative model with known parameters: the data-generating process of the
/// published parameter-recovery notebook (`claudefile/parameter_recovery_simulation.ipynb`, cell 3),
/// seeded with ``RandomSource``:
///
/// - covariates G_raw ~ N(0, 1), N × P (the model standardizes them);
/// - γ_pk ~ N(0, 0.3²), with three planted effects γ₀₀ = 1, γ₅₂ = −0.8, γ₁₀,₄ = 0.9 where they exist;
/// - r_k evenly spaced on [−1, 1]; μ_dt = a_d + b_d t with a_d ~ U(−12, −6), b_d ~ U(0.05, 0.3);
/// - disease d in cluster ⌊dK/D⌋, ψ_kd = 1 in its cluster and −3 elsewhere, −5 for the healthy signature;
/// - λ_ik = r_k + g_iᵀγ_k + L_λ z (healthy: −5 + L_λ z), φ_kd = μ_d + ψ_kd + L_φ z, z ~ N(0, I_T);
/// - κ = 1, π_idt = Σ_k θ_ikt σ(φ_kdt); at each age every pair still at risk is diagnosed with
///   probability π_idt, which ends its follow-up (one event per disease).
public struct AladynSimulation: Sendable {
    public let dimensions: AladynDimensions
    public let outcomes: AladynOutcomes
    /// G_raw, row-major N × P.
    public let covariates: [Double]
    public let signatureReferences: [Double]
    /// The true μ_dt (D × T).
    public let logitPrevalence: [Double]
    /// The true parameters in the centred form (λ, φ, ψ, γ, κ = 1).
    public let truth: AladynParameters

    public init(dimensions: AladynDimensions, seed: UInt64) throws(AladynError) {
        try dimensions.validate()
        let (n, dCount, t, k, p) = (dimensions.individuals, dimensions.diseases, dimensions.ages, dimensions.signatures, dimensions.covariates)
        let kt = k + 1
        var random = RandomSource(seed: seed)
        let (lambdaKernel, phiKernel) = try AladynKernel.published(ages: t)
        var raw = [Double](repeating: 0, count: n * p)
        for index in raw.indices { raw[index] = random.normal() }
        let g = try AladynModel.standardize(raw, rows: n, columns: p)
        var gamma = [Double](repeating: 0, count: p * k)
        for index in gamma.indices { gamma[index] = 0.3 * random.normal() }
        for (row, column, value) in [(0, 0, 1.0), (5, 2, -0.8), (10, 4, 0.9)] where row < p && column < k {
            gamma[row * k + column] = value
        }
        let references = AladynModel.evenlySpacedReferences(signatures: k)
        var logits = [Double](repeating: 0, count: dCount * t)
        for d in 0..<dCount {
            let base = -12 + 6 * random.uniform()
            let slope = 0.05 + 0.25 * random.uniform()
            for a in 0..<t { logits[d * t + a] = base + slope * Double(a) }
        }
        var psi = [Double](repeating: 0, count: kt * dCount)
        for kk in 0..<kt {
            for d in 0..<dCount { psi[kk * dCount + d] = kk == k ? -5 : (d * k / dCount == kk ? 1 : -3) }
        }
        var lambda = [Double](repeating: 0, count: n * kt * t)
        var z = [Double](repeating: 0, count: t)
        for i in 0..<n {
            for kk in 0..<kt {
                var mean = kk == k ? -5 : references[kk]
                if kk < k { for c in 0..<p { mean += g[i * p + c] * gamma[c * k + kk] } }
                Self.drawTrajectory(mean: { _ in mean }, kernel: lambdaKernel, z: &z, random: &random, into: &lambda, at: (i * kt + kk) * t)
            }
        }
        var phi = [Double](repeating: 0, count: kt * dCount * t)
        for kk in 0..<kt {
            for d in 0..<dCount {
                let offset = psi[kk * dCount + d]
                Self.drawTrajectory(mean: { logits[d * t + $0] + offset }, kernel: phiKernel, z: &z, random: &random, into: &phi, at: (kk * dCount + d) * t)
            }
        }
        // Each pair's ages in turn until its diagnosis (the notebook's age-by-age loop, pair by pair).
        var exits = [Int](repeating: t, count: n * dCount)
        var diagnosed = [Bool](repeating: false, count: n * dCount)
        var theta = [Double](repeating: 0, count: kt * t)
        let sigmoid = phi.map { 1 / (1 + exp(-$0)) }
        for i in 0..<n {
            lambda.withUnsafeBufferPointer { l in
                theta.withUnsafeMutableBufferPointer { th in
                    AladynLikelihood.softmax(l.baseAddress! + i * kt * t, into: th.baseAddress!, signatures: kt, ages: t)
                }
            }
            for d in 0..<dCount {
                for a in 0..<t {
                    var pi = 0.0
                    for kk in 0..<kt { pi += theta[kk * t + a] * sigmoid[(kk * dCount + d) * t + a] }
                    if random.uniform() < pi {
                        exits[i * dCount + d] = a
                        diagnosed[i * dCount + d] = true
                        break
                    }
                }
            }
        }
        self.dimensions = dimensions
        outcomes = try AladynOutcomes(individuals: n, diseases: dCount, ages: t, exitAges: exits, diagnosed: diagnosed)
        covariates = raw
        signatureReferences = references
        logitPrevalence = logits
        truth = try AladynParameters(dimensions: dimensions, form: .centred, values: lambda + phi + psi + gamma + [1])
    }

    /// out[start + a] = mean(a) + (L z)_a for a fresh z ~ N(0, I_T).
    private static func drawTrajectory(
        mean: (Int) -> Double, kernel: AladynKernel, z: inout [Double], random: inout RandomSource, into out: inout [Double], at start: Int
    ) {
        let t = kernel.ages
        for a in 0..<t { z[a] = random.normal() }
        for a in 0..<t {
            var value = mean(a)
            for b in 0...a { value += kernel.cholesky[a * t + b] * z[b] }
            out[start + a] = value
        }
    }

    /// The model of these data: the simulated outcomes and covariates, the given logit prevalence
    /// (the true one, or an estimate from the data), the true signature references, weight W.
    public func model(logitPrevalence: [Double]? = nil, priorWeight: Double = 1e-4) throws(AladynError) -> AladynModel {
        try AladynModel(
            outcomes: outcomes, covariates: covariates, covariateCount: dimensions.covariates,
            logitPrevalence: logitPrevalence ?? self.logitPrevalence, signatureReferences: signatureReferences,
            priorWeight: priorWeight)
    }
}
