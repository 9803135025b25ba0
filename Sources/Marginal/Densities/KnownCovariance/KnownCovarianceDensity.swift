import Foundation

/// The posterior density of (β, log σ) in a linear mixed model whose random-effect covariance
/// is fixed by the user (`--fix-sd s=1,d=1,dept=1`), with every random effect integrated out:
/// strategy 4 of the design (Lai, Domke & Sheldon 2024, "Hamiltonian Monte Carlo inference of
/// marginalized linear mixed-effects models", the InstEval experiment).
///
/// The model is y ~ N(Xβ + Zb, σ²I_n), b ~ N(0, Σ_u) with Σ_u = S Sᵀ known, so the sampled
/// coordinates are x = [β₁ … β_p, log σ] with the priors and names of
/// ``MixedModelParameterization`` (`b[…]`, `sigma`). After the one-time eigendecomposition
/// Sᵀ Zᵀ Z S = Q Λ Qᵀ (``KnownCovarianceDecomposition``), with r = y − Xβ and
/// g = Qᵀ Sᵀ Zᵀ r = g₀ − G_X (β − β₀):
///
///     log |V| = (n − D) log σ² + Σᵢ log(σ² + λᵢ)       (determinant lemma, any D, even D > n)
///     rᵀV⁻¹r = (rᵀr − Σᵢ gᵢ²/(σ² + λᵢ)) / σ²            (Woodbury)
///     ℓ = −½ [n log 2π + log |V| + rᵀV⁻¹r]
///
/// where V = σ²I_n + Z Σ_u Zᵀ; zero eigenvalues (rank-deficient ZᵀZ, D > n) need no special
/// case. With s = σ², dᵢ = 1/(s + λᵢ), hᵢ = gᵢ dᵢ and q = rᵀr − Σ gᵢhᵢ, the exact gradient is
///
///     ∂ℓ/∂β = (Xᵀr − G_Xᵀ h) / s                        (= XᵀV⁻¹r)
///     ∂ℓ/∂σ = −[(n − D) + s Σᵢ dᵢ + Σᵢ hᵢ² − q/s] / σ
///
/// (using ∂q/∂s = Σ hᵢ² and ∂q/∂β = −2(Xᵀr − G_Xᵀh)); the priors and the log-σ Jacobian are
/// added by ``MixedModelParameterization``. Each evaluation costs O(D·p) and does not touch
/// the n rows; Σ log(s + λᵢ) is formed as a running product with its binary exponent split off
/// (one `log` per evaluation, not D).
public struct KnownCovarianceDensity: LogDensity {
    /// Seconds of the one-time set-up.
    public struct SetupTimings: Sendable, Equatable {
        /// The pass over the data forming SᵀZᵀZS, SᵀZᵀr₀ and SᵀZᵀX.
        public var crossProducts: Double
        /// LAPACK's dsyevd on the D × D matrix.
        public var eigendecomposition: Double
        /// Projecting onto the eigenbasis and forming P = S Q.
        public var projection: Double
        public var total: Double { crossProducts + eigendecomposition + projection }
    }

    /// The largest D the set-up accepts: it holds about 3 D² doubles at once (the matrix, the
    /// eigensolver's workspace of 2 D²), 9.6 GB at D = 20,000, and takes O(D³) time.
    public static let maximumRandomEffects = 20_000

    let decomposition: KnownCovarianceDecomposition
    /// The parameter layout (β and σ only: no block is sampled) with its priors.
    public private(set) var parameterization: MixedModelParameterization
    /// Where each random effect sits in the vectors recovery fills (the fitting engine's order:
    /// most levels first), as for the all-marginalized density.
    public let randomEffectsLayout: RandomEffectsLayout
    var globals: GlobalParameters
    var delta: [Double]
    var fixedAdjoint: [Double]
    /// Scratch of length D: g and h.
    var residual: [Double]
    var scaled: [Double]

    /// The density for a model design and the known covariance of every grouping factor. Default
    /// priors are those of ``MixedModelPriors`` for β and σ; change them with ``setPrior(_:for:)``.
    public init(design: ModelDesign, covariance: KnownCovarianceSpecification) throws(KnownCovarianceError) {
        guard design.nobs > 0 else { throw .noObservations }
        guard !design.randomEffects.isEmpty else { throw .noRandomEffects }
        guard design.weights == nil, design.offset == nil else { throw .weightsOrOffset }
        if let bad = design.firstNonFiniteValue() { throw .nonFiniteValue(variable: bad.variable, row: bad.row) }
        let blocks = RandomEffectBlock.blocks(of: design.randomEffects)
        let effects = blocks.reduce(0) { $0 + $1.effectCount }
        guard effects <= Self.maximumRandomEffects else { throw .tooManyRandomEffects(effects, limit: Self.maximumRandomEffects) }
        let factors = try covariance.factors(for: blocks)
        decomposition = try KnownCovarianceDecomposition(design: design, blocks: blocks, factors: factors)
        var layout = MixedModelParameterization(fixedNames: design.fixedEffects.names, blocks: [])
        layout.priors = MixedModelPriors.defaults(for: layout, design: design)
        parameterization = layout
        randomEffectsLayout = RandomEffectsLayout(blocks: blocks)
        globals = layout.makeGlobals()
        let p = design.fixedEffects.p
        delta = [Double](repeating: 0, count: p)
        fixedAdjoint = [Double](repeating: 0, count: p)
        residual = [Double](repeating: 0, count: decomposition.effectCount)
        scaled = residual
    }

    /// The density for an lme4 formula, data and fixed SDs written as `--fix-sd` takes them
    /// (`"s=1,d=1,dept=1"`). Throws ``FormulaError`` or ``KnownCovarianceError``.
    public init(formula: String, data: DataFrame, fixedStandardDeviations: String, options: DesignOptions = DesignOptions()) throws {
        let design = try ModelDesign(formula: formula, data: data, options: options)
        try self.init(design: design, covariance: KnownCovarianceSpecification(parsing: fixedStandardDeviations))
    }

    // MARK: Parameters and priors

    /// p + 1: the fixed effects and log σ.
    public var dimension: Int { parameterization.dimension }
    /// `b[…]` for each fixed effect, then `sigma`.
    public var parameterNames: [String] { parameterization.parameterNames }
    /// D, the number of random effects.
    public var randomEffectCount: Int { decomposition.effectCount }
    /// Number of observations n.
    public var observationCount: Int { decomposition.observationCount }
    /// The eigenvalues λ of SᵀZᵀZS, ascending (clamped at 0).
    public var eigenvalues: [Double] { decomposition.eigenvalues }
    public var setupTimings: SetupTimings { decomposition.timings }
    /// The priors of β and σ (the SD priors are empty: the SDs are fixed).
    public var priors: MixedModelPriors { parameterization.priors }
    /// Every prior with the name users write (`b[…]`, `sigma`).
    public var namedPriors: [(name: String, prior: Prior)] { parameterization.namedPriors }

    /// Sets the prior of `b[…]` or `sigma` (an `sd[…]` name is unknown here: those SDs are fixed).
    public mutating func setPrior(_ prior: Prior, for name: String) throws(PriorError) {
        try parameterization.setPrior(prior, for: name)
    }

    /// Applies `NAME=DISTRIBUTION` settings in order.
    public mutating func setPriors(_ settings: [String]) throws(PriorError) {
        try parameterization.setPriors(settings)
    }

    /// β and σ for x.
    public func reportedValues(_ x: [Double]) -> [Double] { parameterization.reportedValues(x) }

    /// x for given β and σ.
    public func unconstrained(beta: [Double], sigma: Double) -> [Double] {
        parameterization.unconstrained(beta: beta, sigma: sigma, factors: [])
    }

    // MARK: The log density

    public mutating func logDensity(at x: [Double], gradient: inout [Double]) -> Double {
        let p = decomposition.fixedCount
        guard x.count == p + 1, gradient.count == p + 1 else { return -.infinity }
        let sigma = exp(x[p])
        let s = sigma * sigma
        guard s.isNormal, x[0..<p].allSatisfy(\.isFinite) else { return -.infinity }
        for j in 0..<p { delta[j] = x[j] - decomposition.referenceBeta[j] }
        let sums = spectralSums(variance: s)
        // rᵀr and Xᵀr from r₀ = y − Xβ₀ and δ = β − β₀.
        let dec = decomposition
        var residualSquares = dec.residualSquares
        for j in 0..<p {
            var gramDelta = 0.0
            for k in 0..<p { gramDelta += dec.fixedGram[j + k * p] * delta[k] }
            residualSquares += delta[j] * (gramDelta - 2 * dec.fixedResidual[j])
            globals.betaAdjoint[j] = (dec.fixedResidual[j] - gramDelta - fixedAdjoint[j]) / s
        }
        let n = Double(dec.observationCount)
        let excess = Double(dec.observationCount - dec.effectCount)
        let q = residualSquares - sums.gh
        let logLikelihood = -0.5 * (n * log(2 * Double.pi) + excess * log(s) + sums.logDeterminant + q / s)
        let sigmaAdjoint = -(excess + s * sums.d + sums.hh - q / s) / sigma
        parameterization.decode(x, into: &globals)
        let rest = parameterization.completeGradient(x, globals: &globals, sigmaAdjoint: sigmaAdjoint, gradient: &gradient)
        let value = logLikelihood + rest
        return value.isFinite ? value : -.infinity
    }

    /// Σ log(s + λᵢ), Σ dᵢ, Σ gᵢhᵢ, Σ hᵢ² at s = σ², with G_Xᵀh written to `fixedAdjoint`,
    /// for g = g₀ − G_X δ with δ in `delta`. The two products with G_X go to BLAS; the loop over
    /// the D eigenvalues runs eight lanes at a time, keeping in each lane a running product of the
    /// (s + λᵢ) whose binary exponent is split off every four factors (one `log` per lane at the
    /// end instead of one per eigenvalue). Outside s ∈ (2⁻²⁰⁰, 2²⁰⁰ − λ_max), where four factors
    /// could leave the range of a double, it sums the logs instead.
    mutating func spectralSums(variance s: Double) -> (logDeterminant: Double, d: Double, gh: Double, hh: Double) {
        let dec = decomposition
        let count = dec.effectCount
        let p = dec.fixedCount
        for i in 0..<count { residual[i] = dec.projectedResidual[i] }
        dec.projectedFixed.withUnsafeBufferPointer { gx in
            delta.withUnsafeBufferPointer { dp in
                residual.withUnsafeMutableBufferPointer { g in
                    KnownCovarianceLinearAlgebra.multiplyVector(
                        m: count, n: p, alpha: -1, a: gx.baseAddress, lda: count, x: dp.baseAddress, beta: 1, y: g.baseAddress!)
                }
            }
        }
        let largest = dec.eigenvalues.last ?? 0
        let splitExponents = s > 0x1p-200 && s + largest < 0x1p200
        let blocks = splitExponents ? count / 32 : 0
        var product = SIMD8<Double>(repeating: 1)
        var exponents = SIMD8<Int64>(repeating: 0)
        var sumD = SIMD8<Double>.zero
        var sumGH = SIMD8<Double>.zero
        var sumHH = SIMD8<Double>.zero
        let variance = SIMD8<Double>(repeating: s)
        let mantissa = SIMD8<UInt64>(repeating: (1 << 52) - 1)
        let one = SIMD8<UInt64>(repeating: 1023 << 52)
        var logDeterminant = 0.0, d = 0.0, gh = 0.0, hh = 0.0
        dec.eigenvalues.withUnsafeBufferPointer { lambda in
            residual.withUnsafeBufferPointer { g in
                scaled.withUnsafeMutableBufferPointer { h in
                    let lambdaRaw = UnsafeRawPointer(lambda.baseAddress!)
                    let gRaw = UnsafeRawPointer(g.baseAddress!)
                    let hRaw = UnsafeMutableRawPointer(h.baseAddress!)
                    for block in 0..<blocks {
                        for c in 0..<4 {
                            let byte = (block * 4 + c) * 64
                            let gv = gRaw.loadUnaligned(fromByteOffset: byte, as: SIMD8<Double>.self)
                            let t = variance + lambdaRaw.loadUnaligned(fromByteOffset: byte, as: SIMD8<Double>.self)
                            let inverse = 1 / t
                            let hv = gv * inverse
                            hRaw.storeBytes(of: hv, toByteOffset: byte, as: SIMD8<Double>.self)
                            sumD += inverse
                            sumGH += gv * hv
                            sumHH += hv * hv
                            product *= t
                        }
                        let bits = unsafeBitCast(product, to: SIMD8<UInt64>.self)
                        exponents &+= SIMD8<Int64>(truncatingIfNeeded: bits &>> 52) &- 1023
                        product = unsafeBitCast((bits & mantissa) | one, to: SIMD8<Double>.self)
                    }
                    for i in (blocks * 32)..<count {
                        let t = s + lambda[i]
                        let hi = g[i] / t
                        h[i] = hi
                        d += 1 / t
                        gh += g[i] * hi
                        hh += hi * hi
                        logDeterminant += log(t)
                    }
                }
            }
        }
        dec.projectedFixed.withUnsafeBufferPointer { gx in
            scaled.withUnsafeBufferPointer { h in
                fixedAdjoint.withUnsafeMutableBufferPointer { out in
                    KnownCovarianceLinearAlgebra.multiplyVector(
                        transpose: true, m: count, n: p, a: gx.baseAddress, lda: count, x: h.baseAddress!, y: out.baseAddress)
                }
            }
        }
        if blocks > 0 {
            for lane in 0..<8 { logDeterminant += log(product[lane]) + Double(exponents[lane]) * M_LN2 }
        }
        return (logDeterminant, d + sumD.sum(), gh + sumGH.sum(), hh + sumHH.sum())
    }
}
