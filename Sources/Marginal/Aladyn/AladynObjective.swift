/// The published ALADYN objective L = ℓ + W·prior (see ``AladynModel``) as a function of the flat
/// parameter vector of ``AladynParameters`` in either form, with its gradient split into the
/// likelihood part ∂ℓ and the prior part ∂(W·prior) (for the gradient-flow report).
///
/// Centred (λ, φ free): ∂ℓ reaches λ, φ, κ only; γ and ψ get only the prior's
///
///     ∂/∂γ_pk = −(W/N) Σ_i g_ip Σ_t (Ω_λ⁻¹(λ_ik − m_ik))_t,   ∂/∂ψ_kd = −(W/D) Σ_t (Ω_φ⁻¹(φ_kd − μ_d − ψ_kd))_t,
///
/// so the likelihood gradient of γ is exactly zero (DESIGN §1). Non-centred (λ = m(γ) + δ,
/// φ = μ + ψ + ε): the prior is on δ and ε alone and the chain rule gives γ and ψ the likelihood's
///
///     ∂ℓ/∂γ_pk = Σ_i g_ip Σ_t ∂ℓ/∂λ_ikt,   ∂ℓ/∂ψ_kd = Σ_t ∂ℓ/∂φ_kdt.
///
/// One instance holds preallocated storage for one evaluation at a time (not thread-safe; the
/// likelihood itself runs over the cores).
public final class AladynObjective {
    public let model: AladynModel
    public let form: AladynParameters.Form
    private let likelihood: AladynLikelihood
    private let ranges: [Range<Int>]
    /// How many parts λ's rows are split into over the cores.
    private let rowParts: Int
    /// λ and φ (centred values), their prior deviations and Ω⁻¹ times those.
    private let lambda, phi, lambdaDeviation, phiDeviation, lambdaSolved, phiSolved: UnsafeMutableBufferPointer<Double>
    /// Per-(i, k) sums over ages (N × (K+1)).
    private let rowSums: UnsafeMutableBufferPointer<Double>
    /// m_ik (N × (K+1)).
    private var lambdaMean: [Double]
    /// The last evaluation's gradient parts, in the parameter layout.
    private let likelihoodPart, priorPart: UnsafeMutableBufferPointer<Double>

    /// The likelihood part ∂ℓ of the last evaluation's gradient, in the parameter layout.
    public var likelihoodGradient: [Double] { Array(likelihoodPart) }
    /// The prior part ∂(W·prior) of the last evaluation's gradient, in the parameter layout.
    public var priorGradient: [Double] { Array(priorPart) }

    public init(model: AladynModel, form: AladynParameters.Form, threads: Int? = nil) {
        self.model = model
        self.form = form
        let d = model.dimensions
        likelihood = AladynLikelihood(outcomes: model.outcomes, signatures: d.signatures, threads: threads ?? BLAS.threadCount)
        ranges = AladynParameters.ranges(d)
        rowParts = max(1, min(threads ?? BLAS.threadCount, d.individuals * d.totalSignatures / 64))
        let lambdaCount = d.individuals * d.totalSignatures * d.ages
        let phiCount = d.totalSignatures * d.diseases * d.ages
        lambda = .zeros(lambdaCount)
        lambdaDeviation = .zeros(lambdaCount)
        lambdaSolved = .zeros(lambdaCount)
        phi = .zeros(phiCount)
        phiDeviation = .zeros(phiCount)
        phiSolved = .zeros(phiCount)
        lambdaMean = [Double](repeating: 0, count: d.individuals * d.totalSignatures)
        rowSums = .zeros(d.individuals * d.totalSignatures)
        likelihoodPart = .zeros(AladynParameters.count(d))
        priorPart = .zeros(AladynParameters.count(d))
    }

    deinit {
        for buffer in [lambda, phi, lambdaDeviation, phiDeviation, lambdaSolved, phiSolved, rowSums, likelihoodPart, priorPart] {
            buffer.deallocate()
        }
    }

    /// The two parts of L at `x` (the parameter vector in this objective's form); their gradients
    /// are left in ``likelihoodGradient`` and ``priorGradient``.
    @discardableResult
    func evaluate(_ x: [Double]) -> (likelihood: Double, prior: Double) {
        model.fillLambdaMean(gamma: x[ranges[3]], into: &lambdaMean)
        return x.withUnsafeBufferPointer { x in evaluate(x) }
    }

    /// The body of ``evaluate(_:)``, with m already in `lambdaMean`.
    private func evaluate(_ x: UnsafeBufferPointer<Double>) -> (likelihood: Double, prior: Double) {
        let d = model.dimensions
        let (n, kt, dCount, t) = (d.individuals, d.totalSignatures, d.diseases, d.ages)
        let w = model.priorWeight
        let kappa = x[ranges[4].lowerBound]
        let centred = form == .centred
        let trajectories = ranges[0].lowerBound
        guard let xBase = x.baseAddress, let lambdaBase = lambda.baseAddress, let lambdaDeviation = lambdaDeviation.baseAddress,
              let lambdaSolved = lambdaSolved.baseAddress, let gradient = likelihoodPart.baseAddress,
              let prior = priorPart.baseAddress else { return (0, 0) }
        // λ, its prior deviation and the λ prior term, the rows split over the cores.
        let lambdaScale = w / Double(n)
        let lambdaQuadratic = lambdaMean.withUnsafeBufferPointer { mean in
            let rows = TrajectoryRows(
                x: xBase + trajectories, mean: mean.baseAddress ?? xBase, lambda: lambdaBase, deviation: lambdaDeviation,
                solved: lambdaSolved, prior: prior + trajectories, ages: t, centred: centred, kernel: model.lambdaKernel,
                scale: lambdaScale)
            let count = n * kt, parts = rowParts
            return concurrentMap(count: parts) { part in rows.evaluate((part * count / parts)..<((part + 1) * count / parts)) }
                .reduce(0, +)
        }
        // φ and its prior deviation (prior mean μ_d + ψ_kd).
        let logits = ranges[1].lowerBound, offsets = ranges[2].lowerBound
        for kk in 0..<kt {
            for dd in 0..<dCount {
                let psi = x[offsets + kk * dCount + dd]
                for a in 0..<t {
                    let index = (kk * dCount + dd) * t + a
                    let mean = model.logitPrevalence[dd * t + a] + psi
                    let value = x[logits + index]
                    phi[index] = centred ? value : mean + value
                    phiDeviation[index] = centred ? value - mean : value
                }
            }
        }
        guard let phiBase = phi.baseAddress, let phiDeviation = phiDeviation.baseAddress,
              let phiSolved = phiSolved.baseAddress else { return (0, 0) }
        // The likelihood, its gradient in λ and φ straight into blocks 0 and 1.
        let data = likelihood.evaluate(
            lambda: lambdaBase, phi: phiBase, kappa: kappa,
            lambdaGradient: gradient + trajectories, phiGradient: gradient + logits)
        gradient[ranges[4].lowerBound] = data.kappaGradient
        // The φ prior term.
        let phiQuadratic = AladynPrior.quadratic(phiDeviation, rows: kt * dCount, kernel: model.phiKernel, into: phiSolved)
        let phiScale = w / Double(dCount)
        for index in 0..<(kt * dCount * t) { prior[logits + index] = phiScale * phiSolved[index] }
        prior[ranges[4].lowerBound] = 0
        // ψ and γ: from the prior (centred) or through the chain rule from the likelihood (non-centred).
        let zeroed = centred ? gradient : prior
        for index in ranges[2].lowerBound..<ranges[4].lowerBound { zeroed[index] = 0 }
        if centred {
            sumOverAges(phiSolved, rows: kt * dCount, scale: -phiScale, into: prior + offsets)
            projectOnCovariates(lambdaSolved, scale: -lambdaScale, into: prior + ranges[3].lowerBound)
        } else {
            sumOverAges(gradient + logits, rows: kt * dCount, scale: 1, into: gradient + offsets)
            projectOnCovariates(gradient + trajectories, scale: 1, into: gradient + ranges[3].lowerBound)
        }
        return (data.loss, w * (lambdaQuadratic / Double(n) + phiQuadratic / Double(dCount)))
    }

    /// The two parts of L at `parameters`, which must have this objective's form and dimensions.
    public func evaluate(_ parameters: AladynParameters) throws(AladynError) -> (likelihood: Double, prior: Double) {
        try check(parameters)
        return evaluate(parameters.values)
    }

    /// L at `parameters` and ∇L.
    public func valueAndGradient(_ parameters: AladynParameters) throws(AladynError) -> (value: Double, gradient: [Double]) {
        try check(parameters)
        var gradient = [Double](repeating: 0, count: parameters.values.count)
        let value = valueAndGradient(parameters.values, &gradient)
        return (value, gradient)
    }

    private func check(_ parameters: AladynParameters) throws(AladynError) {
        guard parameters.dimensions == model.dimensions else {
            throw .sizeMismatch(what: "the parameters' dimensions", expected: AladynParameters.count(model.dimensions), found: parameters.values.count)
        }
        guard parameters.form == form else {
            throw .invalidValue(what: "the parameters' form", value: parameters.form.rawValue, requirement: form.rawValue + ", as the objective's")
        }
    }

    /// L(x), with ∇L written to `gradient` (the optimizers' interface; x in this objective's form).
    func valueAndGradient(_ x: [Double], _ gradient: inout [Double]) -> Double {
        let parts = evaluate(x)
        gradient.withUnsafeMutableBufferPointer { gradient in
            for index in gradient.indices { gradient[index] = likelihoodPart[index] + priorPart[index] }
        }
        return parts.likelihood + parts.prior
    }

    /// λ's part of an evaluation over a range of its rows (one trajectory of T ages each), so that
    /// the cores share it: λ and its prior deviation from x and m, Ω_λ⁻¹(λ − m) (one GEMM per
    /// range), the prior's gradient `scale`·Ω_λ⁻¹(λ − m), and the range's ½ Σ (λ − m)ᵀΩ_λ⁻¹(λ − m).
    private struct TrajectoryRows: @unchecked Sendable {
        let x, mean: UnsafePointer<Double>
        let lambda, deviation, solved, prior: UnsafeMutablePointer<Double>
        let ages: Int
        let centred: Bool
        let kernel: AladynKernel
        let scale: Double

        func evaluate(_ rows: Range<Int>) -> Double {
            let t = ages
            for row in rows {
                let m = mean[row]
                for a in 0..<t {
                    let value = x[row * t + a]
                    lambda[row * t + a] = centred ? value : m + value
                    deviation[row * t + a] = centred ? value - m : value
                }
            }
            let offset = rows.lowerBound * t
            let quadratic = AladynPrior.quadratic(deviation + offset, rows: rows.count, kernel: kernel, into: solved + offset)
            for index in offset..<(rows.upperBound * t) { prior[index] = scale * solved[index] }
            return quadratic
        }
    }

    /// out[r] = scale Σ_t v[r·T + t].
    private func sumOverAges(_ v: UnsafePointer<Double>, rows: Int, scale: Double, into out: UnsafeMutablePointer<Double>) {
        let t = model.dimensions.ages
        for row in 0..<rows { out[row] = scale * VectorKernels.sum(v + row * t, count: t) }
    }

    /// out[p·K + k] = scale Σ_i g_ip Σ_t v[(i(K+1) + k)T + t] for k < K (the γ block).
    private func projectOnCovariates(_ v: UnsafePointer<Double>, scale: Double, into out: UnsafeMutablePointer<Double>) {
        let d = model.dimensions
        let (kt, k, p) = (d.totalSignatures, d.signatures, d.covariates)
        guard let sums = rowSums.baseAddress else { return }
        sumOverAges(v, rows: d.individuals * kt, scale: 1, into: sums)
        for index in 0..<(p * k) { out[index] = 0 }
        for i in 0..<d.individuals {
            for c in 0..<p {
                let g = scale * model.covariates[i * p + c]
                for kk in 0..<k { out[c * k + kk] += g * rowSums[i * kt + kk] }
            }
        }
    }
}
