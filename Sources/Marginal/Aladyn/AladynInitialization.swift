import Foundation

/// The published starting point, from the data only (`initialize_params` without `true_psi`,
/// `clust_huge_amp_vectorized.py` lines 100–218):
///
/// 1. ȳ_id = logit(clamp(mean_t y_idt, 10⁻⁶, 1 − 10⁻⁶)); the diseases' correlation matrix over
///    individuals, C (NaN → 0), gives the affinity (C + 1)/2, and spectral clustering splits the
///    diseases into K clusters (``SpectralClustering``);
/// 2. ψ_kd = 1 + 0.1 z in cluster k, −2 + 0.01 z outside, −5 + 0.01 z for the healthy signature;
///    φ_kd = μ_d + ψ_kd + L z with the φ kernel at amplitude 0.1;
/// 3. γ_k by least squares of the centred cluster score b_i = mean_{d in cluster k} ȳ_id on the
///    standardized G; λ_ik = r_k + g_iᵀγ_k + L z (healthy: −5 + L z), λ kernel at amplitude 0.1;
/// 4. κ = 1.
///
/// (The parameter-recovery notebook instead starts ψ at the true ψ; that needs the truth.)
public enum AladynInitialization {
    public static func published(_ model: AladynModel, form: AladynParameters.Form, seed: UInt64) throws(AladynError) -> AladynParameters {
        let d = model.dimensions
        let (n, dCount, t, k, p, kt) = (d.individuals, d.diseases, d.ages, d.signatures, d.covariates, d.totalSignatures)
        var random = RandomSource(seed: seed)
        // 1. Per-individual disease scores and the clusters.
        var scores = [Double](repeating: 0, count: n * dCount)
        for index in scores.indices {
            let mean = model.outcomes.diagnosed[index] ? 1 / Double(t) : 0
            let clamped = min(max(mean, 1e-6), 1 - 1e-6)
            scores[index] = log(clamped / (1 - clamped))
        }
        let affinity = correlations(scores, rows: n, columns: dCount).map { ($0 + 1) / 2 }
        let clusters = try SpectralClustering.labels(affinity: affinity, count: dCount, clusters: min(k, dCount), random: &random)
        // 2. ψ and φ.
        var psi = [Double](repeating: 0, count: kt * dCount)
        for kk in 0..<kt {
            for dd in 0..<dCount {
                psi[kk * dCount + dd] = kk == k ? -5 + 0.01 * random.normal()
                    : clusters[dd] == kk ? 1 + 0.1 * random.normal() : -2 + 0.01 * random.normal()
            }
        }
        let phiKernel = try AladynKernel(ages: t, lengthScale: Double(t) / 3, amplitude: 0.1)
        let lambdaKernel = try AladynKernel(ages: t, lengthScale: Double(t) / 4, amplitude: 0.1)
        var phi = [Double](repeating: 0, count: kt * dCount * t)
        for kk in 0..<kt {
            for dd in 0..<dCount {
                let draw = draw(from: phiKernel, random: &random)
                for a in 0..<t { phi[(kk * dCount + dd) * t + a] = model.logitPrevalence[dd * t + a] + psi[kk * dCount + dd] + draw[a] }
            }
        }
        // 3. γ by least squares, then λ.
        var gamma = [Double](repeating: 0, count: p * k)
        for kk in 0..<k {
            let members = (0..<dCount).filter { clusters[$0] == kk }
            guard !members.isEmpty, p > 0 else { continue }
            var target = (0..<n).map { i in members.reduce(0.0) { $0 + scores[i * dCount + $1] } / Double(members.count) }
            let centre = target.reduce(0, +) / Double(n)
            for i in 0..<n { target[i] -= centre }
            let column = try leastSquares(model.covariates, rows: n, columns: p, target)
            for c in 0..<p { gamma[c * k + kk] = column[c] }
        }
        var mean = [Double](repeating: 0, count: n * kt)
        model.fillLambdaMean(gamma: gamma[...], into: &mean)
        var lambda = [Double](repeating: 0, count: n * kt * t)
        for row in 0..<(n * kt) {
            let draw = draw(from: lambdaKernel, random: &random)
            for a in 0..<t { lambda[row * t + a] = mean[row] + draw[a] }
        }
        let centred = try AladynParameters(dimensions: d, form: .centred, values: lambda + phi + psi + gamma + [1])
        return try model.converted(centred, to: form)
    }

    /// L z for z ~ N(0, I).
    private static func draw(from kernel: AladynKernel, random: inout RandomSource) -> [Double] {
        let t = kernel.ages
        let z = (0..<t).map { _ in random.normal() }
        return (0..<t).map { a in (0...a).reduce(0.0) { $0 + kernel.cholesky[a * t + $1] * z[$1] } }
    }

    /// The columns' correlation matrix (columns × columns), 0 where a column is constant.
    static func correlations(_ x: [Double], rows n: Int, columns m: Int) -> [Double] {
        var means = [Double](repeating: 0, count: m)
        for i in 0..<n { for j in 0..<m { means[j] += x[i * m + j] } }
        for j in 0..<m { means[j] /= Double(n) }
        var cross = [Double](repeating: 0, count: m * m)
        for i in 0..<n {
            for a in 0..<m {
                let u = x[i * m + a] - means[a]
                guard u != 0 else { continue }
                for b in 0..<m { cross[a * m + b] += u * (x[i * m + b] - means[b]) }
            }
        }
        var out = [Double](repeating: 0, count: m * m)
        for a in 0..<m {
            for b in 0..<m where cross[a * m + a] > 0 && cross[b * m + b] > 0 {
                out[a * m + b] = cross[a * m + b] / (cross[a * m + a] * cross[b * m + b]).squareRoot()
            }
        }
        return out
    }

    /// argmin_β ‖y − Xβ‖² by the normal equations (X has full column rank after standardization).
    static func leastSquares(_ x: [Double], rows n: Int, columns p: Int, _ y: [Double]) throws(AladynError) -> [Double] {
        var gram = [Double](repeating: 0, count: p * p)
        var xty = [Double](repeating: 0, count: p)
        for i in 0..<n {
            for a in 0..<p {
                xty[a] += x[i * p + a] * y[i]
                for b in 0..<p { gram[a * p + b] += x[i * p + a] * x[i * p + b] }
            }
        }
        guard let inverse = CholeskyInverse.inverseOfPositiveDefinite(gram, n: p) else {
            throw .invalidValue(what: "the covariates' cross-product matrix", value: "singular", requirement: "of full rank (drop collinear covariates)")
        }
        return (0..<p).map { a in (0..<p).reduce(0.0) { $0 + inverse[a * p + $1] * xty[$1] } }
    }
}
