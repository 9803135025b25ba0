import Dispatch
import Foundation

/// The data term of ALADYN's objective and its gradient (the published `compute_loss`,
/// `clust_huge_amp_vectorized.py` lines 221–248), as in-place kernels over preallocated storage:
///
///     ℓ = (1/N) Σ_{i,d} [ Σ_{t<E_id} −log(1 − π_idt) − y_id log π_idE − (1 − y_id) log(1 − π_idE) ],
///     π_idt = clamp(κ m_idt, 10⁻⁶, 1 − 10⁻⁶),   m_idt = Σ_k θ_ikt s_kdt,
///     θ_it = softmax_k λ_it,   s_kdt = σ(φ_kdt).
///
/// With w = ∂ℓ/∂π per cell (1/(1 − π) at a censored age, −1/π at a diagnosis, 0 where the clamp
/// is active, all over N):
///
///     ∂ℓ/∂κ = Σ w m,   ∂ℓ/∂θ_ikt = κ Σ_d w_idt s_kdt,   ∂ℓ/∂s_kdt = κ Σ_i w_idt θ_ikt,
///     ∂ℓ/∂λ_ikt = θ_ikt (∂ℓ/∂θ_ikt − Σ_j θ_ijt ∂ℓ/∂θ_ijt),   ∂ℓ/∂φ_kdt = ∂ℓ/∂s_kdt s_kdt (1 − s_kdt).
///
/// The sum of log(1 − π) (and log π at diagnoses) over a chunk of individuals is the logarithm
/// of one running product (``VectorKernels/multiply(_:count:stride:into:)``). Individuals are
/// split into chunks over the cores, each with its own ∂ℓ/∂s accumulator.
final class AladynLikelihood: @unchecked Sendable {
    let dimensions: AladynDimensions
    private let exitAges: UnsafeMutableBufferPointer<Int32>
    private let diagnosed: UnsafeMutableBufferPointer<Bool>
    /// σ(φ) ((K+1) × D × T), filled by each evaluation.
    private let sigmoid: UnsafeMutableBufferPointer<Double>
    private let chunks: [Chunk]

    static let lowerClamp = 1e-6
    static let upperClamp = 1 - 1e-6

    /// Individuals per block of ``run(_:shared:kappa:)``: their θ and w are kept, so that each
    /// ∂ℓ/∂s_kdt is loaded and stored once per block instead of once per individual.
    static let block = 8

    /// One thread's scratch and accumulators (θ and w for a block of individuals).
    private final class Chunk: @unchecked Sendable {
        let individuals: Range<Int>
        let theta, thetaGradient, mix, weights, factor: UnsafeMutableBufferPointer<Double>
        let sigmoidGradient: UnsafeMutableBufferPointer<Double>
        var loss = 0.0
        var kappaGradient = 0.0

        init(individuals: Range<Int>, dimensions d: AladynDimensions) {
            self.individuals = individuals
            let kt = d.totalSignatures
            theta = .zeros(AladynLikelihood.block * kt * d.ages)
            thetaGradient = .zeros(kt * d.ages)
            mix = .zeros(d.ages)
            weights = .zeros(AladynLikelihood.block * d.diseases * d.ages)
            factor = .zeros(d.ages)
            sigmoidGradient = .zeros(kt * d.diseases * d.ages)
        }

        deinit {
            for buffer in [theta, thetaGradient, mix, weights, factor, sigmoidGradient] { buffer.deallocate() }
        }
    }

    init(outcomes: AladynOutcomes, signatures: Int, threads: Int = BLAS.threadCount) {
        let dimensions = AladynDimensions(
            individuals: outcomes.individuals, diseases: outcomes.diseases, ages: outcomes.ages,
            signatures: signatures, covariates: 0)
        self.dimensions = dimensions
        exitAges = .allocate(capacity: outcomes.exitAges.count)
        for (index, age) in outcomes.exitAges.enumerated() { exitAges[index] = Int32(age) }
        diagnosed = .allocate(capacity: outcomes.diagnosed.count)
        _ = diagnosed.initialize(from: outcomes.diagnosed)
        sigmoid = .zeros(dimensions.totalSignatures * dimensions.diseases * dimensions.ages)
        let n = outcomes.individuals
        let parts = max(1, min(threads, n / 64))
        chunks = (0..<parts).map { part in
            Chunk(individuals: (part * n / parts)..<((part + 1) * n / parts), dimensions: dimensions)
        }
    }

    deinit {
        exitAges.deallocate()
        diagnosed.deallocate()
        sigmoid.deallocate()
    }

    /// ℓ, with ∂ℓ/∂λ written to `lambdaGradient` (N(K+1)T), ∂ℓ/∂φ to `phiGradient` ((K+1)DT)
    /// and ∂ℓ/∂κ returned.
    func evaluate(
        lambda: UnsafePointer<Double>, phi: UnsafePointer<Double>, kappa: Double,
        lambdaGradient: UnsafeMutablePointer<Double>, phiGradient: UnsafeMutablePointer<Double>
    ) -> (loss: Double, kappaGradient: Double) {
        let cells = sigmoid.count
        for index in 0..<cells { sigmoid[index] = 1 / (1 + exp(-phi[index])) }
        let shared = Shared(lambda: lambda, lambdaGradient: lambdaGradient)
        if chunks.count == 1 {
            run(chunks[0], shared: shared, kappa: kappa)
        } else {
            DispatchQueue.concurrentPerform(iterations: chunks.count) { part in
                self.run(self.chunks[part], shared: shared, kappa: kappa)
            }
        }
        let scale = 1 / Double(dimensions.individuals)
        var loss = 0.0
        var kappaGradient = 0.0
        for index in 0..<cells { phiGradient[index] = 0 }
        for chunk in chunks {
            loss += chunk.loss
            kappaGradient += chunk.kappaGradient
            let g = chunk.sigmoidGradient
            for index in 0..<cells { phiGradient[index] += g[index] }
        }
        for index in 0..<cells {
            let s = sigmoid[index]
            phiGradient[index] *= scale * s * (1 - s)
        }
        return (loss * scale, kappaGradient * scale)
    }

    /// The caller's pointers, handed to the threads; each writes only its own individuals' rows.
    private struct Shared: @unchecked Sendable {
        let lambda: UnsafePointer<Double>
        let lambdaGradient: UnsafeMutablePointer<Double>
    }

    /// Blocks of ``block`` individuals. Per individual and disease: the mixture m_t = Σ_k θ_kt s_kdt
    /// (the signatures summed in registers, eight ages at once), the loss and w_t = κ ∂ℓ/∂π (zero
    /// past the exit age); then ∂ℓ/∂θ_kt = Σ_d w_dt s_kdt with the diseases summed in registers.
    /// Per block: ∂ℓ/∂s_kdt += Σ_b w_bdt θ_bkt, the block's individuals summed in registers.
    /// Accumulating either gradient cell by cell stored each value once per disease or individual,
    /// and those stores were a quarter of the epoch.
    private func run(_ chunk: Chunk, shared: Shared, kappa: Double) {
        let (kt, dCount, tCount) = (dimensions.totalSignatures, dimensions.diseases, dimensions.ages)
        let scale = 1 / Double(dimensions.individuals)
        guard let thetas = chunk.theta.baseAddress, let thetaGradient = chunk.thetaGradient.baseAddress,
              let mix = chunk.mix.baseAddress, let blockWeights = chunk.weights.baseAddress, let factor = chunk.factor.baseAddress,
              let sigmoidGradient = chunk.sigmoidGradient.baseAddress, let sigmoid = sigmoid.baseAddress
        else { return }
        chunk.sigmoidGradient.update(repeating: 0)
        let (diseaseStride, signatureStride) = (dCount * tCount, kt * tCount)
        // The loss is −log of the product of every factor (one logarithm for the chunk).
        var survival = LogProductAccumulator()
        var kappaGradient = 0.0
        for first in stride(from: chunk.individuals.lowerBound, to: chunk.individuals.upperBound, by: Self.block) {
            let members = min(Self.block, chunk.individuals.upperBound - first)
            for b in 0..<members {
                let i = first + b
                let (theta, weights) = (thetas + b * signatureStride, blockWeights + b * diseaseStride)
                Self.softmax(shared.lambda + i * signatureStride, into: theta, signatures: kt, ages: tCount)
                for d in 0..<dCount {
                    let exit = Int(exitAges[i * dCount + d])
                    let n = min(exit + 1, tCount)
                    let weight = weights + d * tCount
                    Self.contract(theta, stride: tCount, with: sigmoid + d * tCount, stride: diseaseStride, terms: kt, ages: n, into: mix)
                    // Every age at risk as censored; then the diagnosis age, if any, as an event.
                    Self.censoredFactors(mix: mix, kappa: kappa, ages: n, factor: factor, weight: weight)
                    if diagnosed[i * dCount + d] {
                        let raw = kappa * mix[exit]
                        let p = min(max(raw, Self.lowerClamp), Self.upperClamp)
                        factor[exit] = p
                        weight[exit] = raw >= Self.lowerClamp && raw <= Self.upperClamp ? -1 / p : 0
                    }
                    VectorKernels.multiply(factor, count: n, into: &survival)
                    kappaGradient += Self.scaleWeights(weight, mix: mix, kappa: kappa, ages: n)
                    for t in n..<tCount { weight[t] = 0 }
                }
                for k in 0..<kt {
                    Self.contract(weights, stride: tCount, with: sigmoid + k * diseaseStride, stride: tCount, terms: dCount, ages: tCount, into: thetaGradient + k * tCount)
                }
                // Softmax backward: ∂λ_kt = θ_kt (∂θ_kt − Σ_j θ_jt ∂θ_jt), over N.
                let out = shared.lambdaGradient + i * signatureStride
                for t in 0..<tCount { mix[t] = 0 }
                for k in 0..<kt {
                    for t in 0..<tCount { mix[t] += theta[k * tCount + t] * thetaGradient[k * tCount + t] }
                }
                for k in 0..<kt {
                    for t in 0..<tCount {
                        out[k * tCount + t] = scale * theta[k * tCount + t] * (thetaGradient[k * tCount + t] - mix[t])
                    }
                }
            }
            for k in 0..<kt {
                for d in 0..<dCount {
                    Self.contract(
                        thetas + k * tCount, stride: signatureStride, with: blockWeights + d * tCount, stride: diseaseStride,
                        terms: members, ages: tCount, into: sigmoidGradient + (k * dCount + d) * tCount, adding: true)
                }
            }
        }
        chunk.loss = -survival.logarithm
        chunk.kappaGradient = kappaGradient
    }

    /// For ages t < `ages` at risk and undiagnosed: factor_t = 1 − π_t and weight_t = 1/(1 − π_t)
    /// (∂ℓ/∂π before the 1/N), 0 where the clamp of π_t = κ m_t is active. Four ages at a time
    /// without branches (a NaN m_t keeps π_t NaN and its weight 0).
    @inline(__always)
    static func censoredFactors(
        mix: UnsafePointer<Double>, kappa: Double, ages n: Int, factor: UnsafeMutablePointer<Double>, weight: UnsafeMutablePointer<Double>
    ) {
        let (low, high) = (SIMD4<Double>(repeating: lowerClamp), SIMD4<Double>(repeating: upperClamp))
        let one = SIMD4<Double>(repeating: 1)
        var t = 0
        while t + 4 <= n {
            let raw = kappa * UnsafeRawPointer(mix + t).loadUnaligned(as: SIMD4<Double>.self)
            let (below, above) = (raw .< low, raw .> high)
            let p = raw.replacing(with: low, where: below).replacing(with: high, where: above)
            let survival = one - p
            UnsafeMutableRawPointer(factor + t).storeBytes(of: survival, as: SIMD4<Double>.self)
            UnsafeMutableRawPointer(weight + t).storeBytes(of: (one / survival).replacing(with: 0, where: below .| above), as: SIMD4<Double>.self)
            t += 4
        }
        while t < n {
            let raw = kappa * mix[t]
            let p = min(max(raw, lowerClamp), upperClamp)
            factor[t] = 1 - p
            weight[t] = raw >= lowerClamp && raw <= upperClamp ? 1 / (1 - p) : 0
            t += 1
        }
    }

    /// Σ_t w_t m_t (this pair's part of ∂ℓ/∂κ before the 1/N), and w_t ← κ w_t, over t < `ages`,
    /// four at a time.
    @inline(__always)
    static func scaleWeights(_ weight: UnsafeMutablePointer<Double>, mix: UnsafePointer<Double>, kappa: Double, ages n: Int) -> Double {
        var partial = SIMD4<Double>()
        var t = 0
        while t + 4 <= n {
            let w = UnsafeRawPointer(weight + t).loadUnaligned(as: SIMD4<Double>.self)
            partial += w * UnsafeRawPointer(mix + t).loadUnaligned(as: SIMD4<Double>.self)
            UnsafeMutableRawPointer(weight + t).storeBytes(of: kappa * w, as: SIMD4<Double>.self)
            t += 4
        }
        var sum = partial.sum()
        while t < n {
            sum += weight[t] * mix[t]
            weight[t] *= kappa
            t += 1
        }
        return sum
    }

    /// out_t = Σ_j a_jt b_jt (or out_t + that, `adding`) for t < `ages`, the rows of a and b
    /// `aStride` and `bStride` apart: eight (then four) ages at a time summed over j in
    /// registers, so out is stored once per age.
    @inline(__always)
    static func contract(
        _ a: UnsafePointer<Double>, stride aStride: Int, with b: UnsafePointer<Double>, stride bStride: Int,
        terms: Int, ages: Int, into out: UnsafeMutablePointer<Double>, adding: Bool = false
    ) {
        var t = 0
        while t + 8 <= ages {
            contractLanes(SIMD8<Double>.self, a, stride: aStride, with: b, stride: bStride, terms: terms, at: t, into: out, adding: adding)
            t += 8
        }
        if t + 4 <= ages {
            contractLanes(SIMD4<Double>.self, a, stride: aStride, with: b, stride: bStride, terms: terms, at: t, into: out, adding: adding)
            t += 4
        }
        while t < ages {
            var sum = adding ? out[t] : 0
            for j in 0..<terms { sum += a[j * aStride + t] * b[j * bStride + t] }
            out[t] = sum
            t += 1
        }
    }

    /// ``contract(_:stride:with:stride:terms:ages:into:adding:)`` for the V.scalarCount ages from t,
    /// one vector register's worth (the sum over j stays in it).
    @inline(__always)
    private static func contractLanes<V: SIMD>(
        _: V.Type, _ a: UnsafePointer<Double>, stride aStride: Int, with b: UnsafePointer<Double>, stride bStride: Int,
        terms: Int, at t: Int, into out: UnsafeMutablePointer<Double>, adding: Bool
    ) where V.Scalar == Double {
        var sum = adding ? UnsafeRawPointer(out + t).loadUnaligned(as: V.self) : V()
        for j in 0..<terms {
            let x: V = UnsafeRawPointer(a + j * aStride + t).loadUnaligned(as: V.self)
            let y: V = UnsafeRawPointer(b + j * bStride + t).loadUnaligned(as: V.self)
            sum += x * y
        }
        UnsafeMutableRawPointer(out + t).storeBytes(of: sum, as: V.self)
    }

    /// θ_kt = exp(λ_kt − max_j λ_jt) / Σ_j exp(λ_jt − max_j λ_jt) for one individual (K+1 rows of T).
    @inline(__always)
    static func softmax(_ lambda: UnsafePointer<Double>, into theta: UnsafeMutablePointer<Double>, signatures kt: Int, ages tCount: Int) {
        for t in 0..<tCount {
            var largest = lambda[t]
            for k in 1..<kt { largest = max(largest, lambda[k * tCount + t]) }
            var total = 0.0
            for k in 0..<kt {
                let e = exp(lambda[k * tCount + t] - largest)
                theta[k * tCount + t] = e
                total += e
            }
            let inverse = 1 / total
            for k in 0..<kt { theta[k * tCount + t] *= inverse }
        }
    }
}

extension UnsafeMutablePointer where Pointee == Double {
    /// New storage of `count` zeros (at least one element; the caller deallocates it).
    static func zeros(_ count: Int) -> UnsafeMutablePointer<Double> {
        let pointer = UnsafeMutablePointer<Double>.allocate(capacity: Swift.max(count, 1))
        pointer.initialize(repeating: 0, count: Swift.max(count, 1))
        return pointer
    }
}

extension UnsafeMutableBufferPointer where Element == Double {
    /// A new buffer of `count` zeros (the caller deallocates it).
    static func zeros(_ count: Int) -> UnsafeMutableBufferPointer<Double> {
        UnsafeMutableBufferPointer(start: UnsafeMutablePointer.zeros(count), count: count)
    }
}
