import Foundation

/// Recovery of the random effects: draws of b from p(b | y, β, σ) for a posterior draw x.
///
/// With b = S v, v ~ N(0, I_D) a priori and r = y − Xβ ~ N(W v, σ² I) given v (W = Z S), the
/// conditional of v has precision I + WᵀW/σ² = Q (I + Λ/σ²) Qᵀ and mean
/// (I + WᵀW/σ²)⁻¹ Wᵀr/σ² = Q (σ²I + Λ)⁻¹ Qᵀ Wᵀ r = Q h, with h = g/(σ² + λ) as in the density.
/// So in the eigenbasis the coordinates w = Qᵀ v are independent,
///
///     wᵢ ~ N(hᵢ, σ²/(σ² + λᵢ)),   hᵢ = gᵢ/(σ² + λᵢ),
///
/// and b = S Q w = P w. (With the SVD W = U Λ^½ Qᵀ one has gᵢ = λᵢ^½ (Uᵀr)ᵢ, so the mean is
/// λᵢ^½ (Uᵀr)ᵢ/(σ² + λᵢ), the λ^½-scaled form; components with λᵢ = 0 keep their prior N(0, 1).)
/// One draw costs O(D) for w plus the D × D product P w; many draws share one matrix product.
extension KnownCovarianceDensity {
    /// The eigen-basis mean h and standard deviations σ/√(σ² + λ) of w at x. False when x has
    /// the wrong length or a non-finite coordinate, or σ is not a positive normal number.
    func conditionalCoordinates(at x: [Double], mean: inout [Double], scale: inout [Double]) -> Bool {
        let dec = decomposition
        let p = dec.fixedCount
        let count = dec.effectCount
        guard x.count == p + 1, mean.count == count, scale.count == count, x.allSatisfy(\.isFinite) else { return false }
        let sigma = exp(x[p])
        let s = sigma * sigma
        guard s.isNormal else { return false }
        dec.eigenvalues.withUnsafeBufferPointer { lambda in
            dec.projectedResidual.withUnsafeBufferPointer { g0 in
                dec.projectedFixed.withUnsafeBufferPointer { gx in
                    mean.withUnsafeMutableBufferPointer { h in
                        scale.withUnsafeMutableBufferPointer { sd in
                            for i in 0..<count { h[i] = g0[i] }
                            for j in 0..<p {
                                let shift = x[j] - dec.referenceBeta[j]
                                for i in 0..<count { h[i] -= gx[i + j * count] * shift }
                            }
                            for i in 0..<count {
                                let t = s + lambda[i]
                                h[i] /= t
                                sd[i] = sigma / t.squareRoot()
                            }
                        }
                    }
                }
            }
        }
        return true
    }

    /// E[b | y, β, σ] = P h at x: the Rao–Blackwellized random effects of one posterior draw.
    public func randomEffectMean(at x: [Double]) -> [Double] {
        let count = randomEffectCount
        var h = [Double](repeating: 0, count: count)
        var scale = h
        guard conditionalCoordinates(at: x, mean: &h, scale: &scale) else { return [Double](repeating: .nan, count: count) }
        return basisProduct(h)
    }

    /// One draw of every random effect from p(b | y, β, σ) at the posterior draw x, laid out as
    /// ``randomEffectsLayout`` describes. O(D²) for the product with P; for many draws use
    /// ``drawRandomEffects(at:random:)-([[Double]],_)`` or ``KnownCovarianceRecovery``.
    public func drawRandomEffects(at x: [Double], random: inout RandomSource) -> [Double] {
        let count = randomEffectCount
        var w = [Double](repeating: 0, count: count)
        var scale = w
        guard conditionalCoordinates(at: x, mean: &w, scale: &scale) else { return [Double](repeating: .nan, count: count) }
        for i in 0..<count { w[i] += scale[i] * random.zigguratNormal() }
        return basisProduct(w)
    }

    /// One draw of the random effects for each posterior draw in `draws`, as a D × (number of
    /// draws) matrix (column t for draw t), through one matrix product P [w₁ … w_T].
    public func drawRandomEffects(at draws: [[Double]], random: inout RandomSource) -> Matrix {
        let count = randomEffectCount
        var w = [Double](repeating: 0, count: count * draws.count)
        var mean = [Double](repeating: 0, count: count)
        var scale = mean
        for (t, x) in draws.enumerated() {
            if conditionalCoordinates(at: x, mean: &mean, scale: &scale) {
                for i in 0..<count { w[i + t * count] = mean[i] + scale[i] * random.zigguratNormal() }
            } else {
                for i in 0..<count { w[i + t * count] = .nan }
            }
        }
        var b = [Double](repeating: 0, count: count * draws.count)
        decomposition.effectBasis.withUnsafeBufferPointer { pb in
            w.withUnsafeBufferPointer { wp in
                b.withUnsafeMutableBufferPointer { out in
                    KnownCovarianceLinearAlgebra.multiply(
                        m: count, n: draws.count, k: count, a: pb.baseAddress!, lda: count,
                        b: wp.baseAddress!, ldb: count, c: out.baseAddress!, ldc: count)
                }
            }
        }
        return Matrix(rows: count, columns: draws.count, elements: b)
    }

    /// P w.
    func basisProduct(_ w: [Double]) -> [Double] {
        let count = randomEffectCount
        var b = [Double](repeating: 0, count: count)
        decomposition.effectBasis.withUnsafeBufferPointer { pb in
            w.withUnsafeBufferPointer { wp in
                b.withUnsafeMutableBufferPointer { out in
                    KnownCovarianceLinearAlgebra.multiplyVector(
                        m: count, n: count, a: pb.baseAddress!, lda: count, x: wp.baseAddress!, y: out.baseAddress!)
                }
            }
        }
        return b
    }
}
