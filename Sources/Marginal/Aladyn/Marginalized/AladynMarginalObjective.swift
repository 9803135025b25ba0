import CLapack
import Dispatch
import Foundation

/// ALADYN's population parameters by the marginal likelihood, with every individual's trajectories
/// λ_i integrated out by the Laplace approximation (``AladynLaplace``): the negative log of the
/// marginal posterior density over N (up to constants),
///
///     L_marg = (1/N) [ Σ_i F_i(m_i(γ), φ, κ) + ½ Σ_{k,d} ‖ε_kd‖² ],   φ_kd = μ_d + ψ_kd + L_φ ε_kd,
///
/// with L_φ the Cholesky factor of Ω_φ: the φ prior GP(μ_d + ψ_kd, Ω_φ) at its literal weight (W = 1,
/// the model as written), whitened so that the optimizer sees a unit prior curvature instead of
/// Ω_φ⁻¹'s condition number of 10⁷. ψ, γ and κ have flat priors. The likelihood is the published
/// one with its hazard clamp replaced by smooth continuations (see ``AladynCellDerivatives``).
///
/// The vector x is [ε ((K+1) × D × T), ψ ((K+1) × D), γ (P × K), κ]. Individuals run in chunks
/// over the cores, each with its own workspace and ∂/∂σ(φ) accumulator; each individual's mode is
/// kept as the next Newton start (the modes at the lowest value so far).
final class AladynMarginalObjective: @unchecked Sendable {
    let model: AladynModel
    let basis: AladynTrajectoryBasis
    let ranges: [Range<Int>]
    private let exits: UnsafeMutableBufferPointer<Int32>
    private let diagnosed: UnsafeMutableBufferPointer<Bool>
    private let phi, sigmoid, sigmoidBar: UnsafeMutableBufferPointer<Double>
    /// m (N × (K+1)), filled by ``AladynModel/fillLambdaMean(gamma:into:)`` and copied to `meanBuffer`.
    private var mean: [Double]
    /// The modes ẑ_i (N × (K+1)r), m and dF_i/dm (N × (K+1)), for the threads.
    private let modes, meanBuffer, meanGradient: UnsafeMutableBufferPointer<Double>
    /// The modes at the lowest value evaluated so far, every evaluation's Newton starts.
    ///
    /// An individual's trajectory posterior can have several modes, and Newton's method finds the
    /// one its start leads to; starting from the last evaluated point (an optimizer's far trial
    /// point, say) would make the value at a point depend on the path to it. Starting from the
    /// best point's modes, an optimizer's line search follows them continuously from its current
    /// iterate, and returning to a point gives its value again.
    private let acceptedModes: UnsafeMutableBufferPointer<Double>
    private var bestValue = Double.infinity
    private let chunks: [Chunk]
    /// Newton steps per individual in the last evaluation (the warm start's effect), for progress.
    var newtonStepsPerIndividual: Double {
        Double(chunks.reduce(0) { $0 + $1.laplace.newtonSteps }) / Double(max(model.dimensions.individuals, 1))
    }
    /// The last evaluation's gradient, split into the marginal likelihood's part and the φ prior's.
    private(set) var likelihoodGradient: [Double]
    private(set) var priorGradient: [Double]

    private final class Chunk: @unchecked Sendable {
        let individuals: Range<Int>
        let laplace: AladynLaplace
        let sigmoidGradient: UnsafeMutableBufferPointer<Double>
        var value = 0.0
        var kappaGradient = 0.0
        var failed: (individual: Int, reason: AladynLaplace.LaplaceFailure)?

        init(individuals: Range<Int>, basis: AladynTrajectoryBasis, dimensions d: AladynDimensions) {
            self.individuals = individuals
            laplace = AladynLaplace(basis: basis, signatures: d.totalSignatures, diseases: d.diseases)
            sigmoidGradient = .zeros(d.totalSignatures * d.diseases * d.ages)
        }

        deinit { sigmoidGradient.deallocate() }
    }

    static func ranges(_ d: AladynDimensions) -> [Range<Int>] {
        let kt = d.totalSignatures
        let sizes = [kt * d.diseases * d.ages, kt * d.diseases, d.covariates * d.signatures, 1]
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return start..<(start + size)
        }
    }

    init(model: AladynModel, basisTolerance: Double = AladynTrajectoryBasis.defaultTolerance, threads: Int = BLAS.threadCount) throws(AladynError) {
        self.model = model
        basis = try AladynTrajectoryBasis(kernel: model.lambdaKernel, tolerance: basisTolerance)
        let d = model.dimensions
        ranges = Self.ranges(d)
        exits = .allocate(capacity: model.outcomes.exitAges.count)
        _ = exits.initialize(from: model.outcomes.exitAges.map { Int32($0) })
        diagnosed = .allocate(capacity: model.outcomes.diagnosed.count)
        _ = diagnosed.initialize(from: model.outcomes.diagnosed)
        let cells = d.totalSignatures * d.diseases * d.ages
        phi = .zeros(cells)
        sigmoid = .zeros(cells)
        sigmoidBar = .zeros(cells)
        modes = .zeros(d.individuals * d.totalSignatures * basis.rank)
        acceptedModes = .zeros(modes.count)
        mean = [Double](repeating: 0, count: d.individuals * d.totalSignatures)
        meanBuffer = .zeros(mean.count)
        meanGradient = .zeros(mean.count)
        let n = d.individuals
        let parts = max(1, min(threads, n / 16))
        let basis = basis
        chunks = (0..<parts).map { part in
            Chunk(individuals: (part * n / parts)..<((part + 1) * n / parts), basis: basis, dimensions: d)
        }
        likelihoodGradient = [Double](repeating: 0, count: ranges[3].upperBound)
        priorGradient = likelihoodGradient
    }

    deinit {
        exits.deallocate()
        diagnosed.deallocate()
        for buffer in [phi, sigmoid, sigmoidBar, modes, acceptedModes, meanBuffer, meanGradient] { buffer.deallocate() }
    }

    /// x for a point of the published parameters (centred or not): ε = L_φ⁻¹(φ − μ − ψ).
    func coordinates(of parameters: AladynParameters) throws(AladynError) -> [Double] {
        let centred = try model.converted(parameters, to: .centred)
        let d = model.dimensions
        let (kt, dCount, t) = (d.totalSignatures, d.diseases, d.ages)
        var x = [Double](repeating: 0, count: ranges[3].upperBound)
        let l = model.phiKernel.cholesky
        let phi = centred[.diseaseLogits], psi = centred[.diseaseOffsets]
        for row in 0..<(kt * dCount) {
            let dd = row % dCount
            for a in 0..<t {
                var value = phi[phi.startIndex + row * t + a] - model.logitPrevalence[dd * t + a] - psi[psi.startIndex + row]
                for b in 0..<a { value -= l[a * t + b] * x[row * t + b] }
                x[row * t + a] = value / l[a * t + a]
            }
        }
        for (index, value) in psi.enumerated() { x[ranges[1].lowerBound + index] = value }
        for (index, value) in centred[.covariateEffects].enumerated() { x[ranges[2].lowerBound + index] = value }
        x[ranges[3].lowerBound] = centred.kappa
        return x
    }

    /// The published parameters (centred) at x, with λ at the individuals' modes from the last
    /// evaluation (call ``evaluate(_:gradient:)`` at x first).
    func parameters(at x: [Double]) throws(AladynError) -> AladynParameters {
        let d = model.dimensions
        let (kt, t) = (d.totalSignatures, d.ages)
        fillPhi(x)
        var lambda = [Double](repeating: 0, count: d.individuals * kt * t)
        let r = basis.rank
        let laplace = chunks[0].laplace
        lambda.withUnsafeMutableBufferPointer { out in
            for i in 0..<d.individuals {
                laplace.modeTrajectories(mean: meanBuffer.baseAddress! + i * kt, z: modes.baseAddress! + i * kt * r, into: out.baseAddress! + i * kt * t)
            }
        }
        let values = lambda + Array(phi) + Array(x[ranges[1]]) + Array(x[ranges[2]]) + [x[ranges[3].lowerBound]]
        return try AladynParameters(dimensions: d, form: .centred, values: values)
    }

    /// φ = μ + ψ + L_φ ε into `phi`.
    private func fillPhi(_ x: [Double]) {
        let d = model.dimensions
        let (kt, dCount, t) = (d.totalSignatures, d.diseases, d.ages)
        let rows = kt * dCount
        x.withUnsafeBufferPointer { x in
            model.phiKernel.cholesky.withUnsafeBufferPointer { l in
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blasint(rows), blasint(t), blasint(t),
                            1, x.baseAddress, blasint(t), l.baseAddress, blasint(t), 0, phi.baseAddress, blasint(t))
            }
        }
        let psi = ranges[1].lowerBound
        for row in 0..<rows {
            let dd = row % dCount
            let offset = x[psi + row]
            for a in 0..<t { phi[row * t + a] += model.logitPrevalence[dd * t + a] + offset }
        }
    }

    /// L_marg(x), with its gradient written to `gradient` (and split in ``likelihoodGradient`` and
    /// ``priorGradient``). Throws when an individual's Laplace approximation fails (no mode found,
    /// or a Hessian that is not positive definite at it).
    func evaluate(_ x: [Double], gradient: inout [Double]) throws(AladynError) -> Double {
        let d = model.dimensions
        let (n, kt, dCount, t, p, k) = (d.individuals, d.totalSignatures, d.diseases, d.ages, d.covariates, d.signatures)
        let kappa = x[ranges[3].lowerBound]
        guard kappa.isFinite, kappa > 0 else {
            throw .invalidValue(what: "kappa", value: "\(kappa)", requirement: "positive")
        }
        fillPhi(x)
        for index in 0..<phi.count { sigmoid[index] = 1 / (1 + exp(-phi[index])) }
        model.fillLambdaMean(gamma: x[ranges[2]], into: &mean)
        _ = meanBuffer.update(fromContentsOf: mean)
        _ = modes.update(fromContentsOf: acceptedModes)
        BLAS.singleThreaded(when: chunks.count > 1) {
            if chunks.count == 1 {
                run(chunks[0], kappa: kappa)
            } else {
                DispatchQueue.concurrentPerform(iterations: chunks.count) { part in self.run(self.chunks[part], kappa: kappa) }
            }
        }
        if let failure = chunks.compactMap(\.failed).first {
            throw .laplaceFailed(individual: failure.individual, reason: failure.reason.description)
        }
        let scale = 1 / Double(n)
        var total = 0.0, kappaBar = 0.0
        sigmoidBar.update(repeating: 0)
        for chunk in chunks {
            total += chunk.value
            kappaBar += chunk.kappaGradient
            for index in 0..<sigmoidBar.count { sigmoidBar[index] += chunk.sigmoidGradient[index] }
        }
        // φ̄ = s̄ s(1 − s)/N; ε̄ = φ̄ L_φ (likelihood) + ε/N (prior); ψ̄ = Σ_t φ̄.
        for index in 0..<sigmoidBar.count {
            let s = sigmoid[index]
            sigmoidBar[index] *= scale * s * (1 - s)
        }
        let rows = kt * dCount
        likelihoodGradient.withUnsafeMutableBufferPointer { g in
            model.phiKernel.cholesky.withUnsafeBufferPointer { l in
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(rows), blasint(t), blasint(t),
                            1, sigmoidBar.baseAddress, blasint(t), l.baseAddress, blasint(t), 0, g.baseAddress, blasint(t))
            }
        }
        var prior = 0.0
        for index in ranges[0] {
            prior += 0.5 * x[index] * x[index]
            priorGradient[index] = scale * x[index]
        }
        for row in 0..<rows {
            likelihoodGradient[ranges[1].lowerBound + row] = VectorKernels.sum(sigmoidBar.baseAddress! + row * t, count: t)
        }
        // γ̄_ck = Σ_i g_ic dF_i/dm_ik / N (k < K; the healthy mean is fixed).
        let gammaStart = ranges[2].lowerBound
        for index in ranges[2] { likelihoodGradient[index] = 0 }
        for i in 0..<n {
            for c in 0..<p {
                let g = scale * model.covariates[i * p + c]
                for kk in 0..<k { likelihoodGradient[gammaStart + c * k + kk] += g * meanGradient[i * kt + kk] }
            }
        }
        likelihoodGradient[ranges[3].lowerBound] = scale * kappaBar
        for index in gradient.indices { gradient[index] = likelihoodGradient[index] + priorGradient[index] }
        let value = scale * (total + prior)
        if value < bestValue {
            bestValue = value
            _ = acceptedModes.update(fromContentsOf: modes)
        }
        return value
    }

    /// One chunk's individuals: their Laplace terms, modes and gradients.
    private func run(_ chunk: Chunk, kappa: Double) {
        let d = model.dimensions
        let (kt, dCount, r) = (d.totalSignatures, d.diseases, basis.rank)
        chunk.sigmoidGradient.update(repeating: 0)
        chunk.laplace.newtonSteps = 0
        chunk.value = 0
        chunk.kappaGradient = 0
        chunk.failed = nil
        for i in chunk.individuals {
            let individual = AladynIndividualTerms.Individual(
                exits: exits.baseAddress! + i * dCount, diagnosed: diagnosed.baseAddress! + i * dCount,
                sigmoid: sigmoid.baseAddress!, kappa: kappa)
            do {
                let contribution = try chunk.laplace.evaluate(
                    individual, mean: meanBuffer.baseAddress! + i * kt, z: modes.baseAddress! + i * kt * r,
                    meanGradient: meanGradient.baseAddress! + i * kt, sigmoidGradient: chunk.sigmoidGradient.baseAddress!)
                chunk.value += contribution.value
                chunk.kappaGradient += contribution.kappaGradient
            } catch {
                chunk.failed = (i, error)
                return
            }
        }
    }
}
