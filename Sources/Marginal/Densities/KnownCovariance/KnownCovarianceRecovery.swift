/// Running means and standard deviations of every random effect over many posterior draws,
/// each posterior draw x_t contributing one draw b_t ~ p(b | y, β_t, σ_t), without storing the
/// draws (see ``KnownCovarianceDensity/drawRandomEffects(at:random:)-(_,_)`` for the conditional).
///
/// The draws are accumulated in the eigenbasis, where b_t = P w_t. With a reference w_ref (the
/// conditional mean at the first draw) and u_t = w_t − w_ref,
///
///     Σ_t b_t = P (T w_ref + Σ_t u_t),
///     Σ_t (b_t − P w_ref)(b_t − P w_ref)ᵀ = P (Σ_t u_t u_tᵀ) Pᵀ,
///
/// so the means and SDs of the b_t are exactly those of the draws (up to rounding), while each
/// draw costs O(D) for w_t plus its share of a rank-B update of Σ u uᵀ (dsyrk on B draws at once:
/// D²·B flops, half of forming the B draws of b by a matrix product). ``summary()`` then costs
/// one D × D × D product. Centering at w_ref keeps the variance from cancelling.
///
/// With ``Precision/single`` the rank-B updates run in `Float` (ssyrk, about twice the speed)
/// into a `Float` matrix that is added to the `Double` one every ``singlePrecisionFoldInterval``
/// draws; the draws themselves, their sums and the summary stay in `Double`. The SDs then carry
/// relative rounding errors of order 10⁻⁶ instead of 10⁻¹⁴, far below the Monte Carlo error of
/// any feasible number of draws.
public struct KnownCovarianceRecovery: Sendable {
    /// The arithmetic of the rank-B updates of Σ u uᵀ.
    public enum Precision: Sendable, Equatable {
        case double
        case single
    }

    /// Draws accumulated in `Float` before they are added to the `Double` sums.
    public static let singlePrecisionFoldInterval = 4096

    /// The means and SDs of every random effect over the draws, laid out as the density's
    /// ``KnownCovarianceDensity/randomEffectsLayout``.
    public struct Summary: Sendable {
        public var draws: Int
        public var layout: RandomEffectsLayout
        public var means: [Double]
        /// Sample standard deviations (divisor T − 1); NaN with fewer than two draws.
        public var standardDeviations: [Double]

        /// One group's means or SDs as an ℓ × S matrix (levels by columns), or nil for an unknown group.
        public func means(of group: String) -> Matrix? { table(means, group) }
        public func standardDeviations(of group: String) -> Matrix? { table(standardDeviations, group) }

        private func table(_ values: [Double], _ name: String) -> Matrix? {
            guard let g = layout.groups.first(where: { $0.group == name }) else { return nil }
            let s = g.columnNames.count
            var m = Matrix(rows: g.levels.count, columns: s)
            for l in 0..<g.levels.count {
                for a in 0..<s { m[l, a] = values[g.offset + l * s + a] }
            }
            return m
        }
    }

    let density: KnownCovarianceDensity
    let batchSize: Int
    public let precision: Precision
    var batch: [Double]
    var batchSingle: [Float]
    var outerSingle: [Float]
    var pendingSingle = 0
    var filled = 0
    var reference: [Double] = []
    var sum: [Double]
    var outer: [Double]
    var mean: [Double]
    var scale: [Double]
    /// Number of draws added.
    public private(set) var count = 0
    /// Posterior draws skipped because σ was not a positive normal number.
    public private(set) var skipped = 0

    /// An empty accumulator; `batchSize` draws are buffered and folded in together.
    public init(density: KnownCovarianceDensity, batchSize: Int = 512, precision: Precision = .double) {
        self.density = density
        let d = density.randomEffectCount
        self.batchSize = max(batchSize, 1)
        self.precision = precision
        batch = precision == .double ? [Double](repeating: 0, count: d * self.batchSize) : []
        batchSingle = precision == .single ? [Float](repeating: 0, count: d * self.batchSize) : []
        outerSingle = precision == .single ? [Float](repeating: 0, count: d * d) : []
        sum = [Double](repeating: 0, count: d)
        outer = [Double](repeating: 0, count: d * d)
        mean = sum
        scale = sum
    }

    /// Draws the random effects for the posterior draw x and adds them.
    public mutating func add(drawAt x: [Double], random: inout RandomSource) {
        guard density.conditionalCoordinates(at: x, mean: &mean, scale: &scale) else {
            skipped += 1
            return
        }
        let d = density.randomEffectCount
        if reference.isEmpty { reference = mean }
        let column = filled * d
        switch precision {
        case .double:
            for i in 0..<d {
                let u = mean[i] - reference[i] + scale[i] * random.zigguratNormal()
                batch[column + i] = u
                sum[i] += u
            }
        case .single:
            for i in 0..<d {
                let u = mean[i] - reference[i] + scale[i] * random.zigguratNormal()
                batchSingle[column + i] = Float(u)
                sum[i] += u
            }
        }
        filled += 1
        count += 1
        if filled == batchSize { flush() }
    }

    /// Folds the buffered draws into Σ u uᵀ.
    mutating func flush() {
        guard filled > 0 else { return }
        let d = density.randomEffectCount
        let k = filled
        switch precision {
        case .double:
            batch.withUnsafeBufferPointer { a in
                outer.withUnsafeMutableBufferPointer { c in
                    KnownCovarianceLinearAlgebra.addOuterProducts(n: d, k: k, a: a.baseAddress!, lda: d, c: c.baseAddress!, ldc: d)
                }
            }
        case .single:
            batchSingle.withUnsafeBufferPointer { a in
                outerSingle.withUnsafeMutableBufferPointer { c in
                    KnownCovarianceLinearAlgebra.addOuterProducts(n: d, k: k, a: a.baseAddress!, lda: d, c: c.baseAddress!, ldc: d)
                }
            }
            pendingSingle += k
            if pendingSingle >= Self.singlePrecisionFoldInterval { foldSingle() }
        }
        filled = 0
    }

    /// Adds the Float sums into the Double ones (lower triangle) and clears them.
    mutating func foldSingle() {
        guard pendingSingle > 0 else { return }
        let d = density.randomEffectCount
        outerSingle.withUnsafeMutableBufferPointer { f in
            outer.withUnsafeMutableBufferPointer { c in
                for j in 0..<d {
                    for i in j..<d {
                        c[i + j * d] += Double(f[i + j * d])
                        f[i + j * d] = 0
                    }
                }
            }
        }
        pendingSingle = 0
    }

    /// The means and SDs of the draws so far (O(D³); accumulation can go on afterwards).
    public mutating func summary() -> Summary {
        flush()
        foldSingle()
        let d = density.randomEffectCount
        let layout = density.randomEffectsLayout
        guard count > 0 else {
            let nan = [Double](repeating: .nan, count: d)
            return Summary(draws: 0, layout: layout, means: nan, standardDeviations: nan)
        }
        let t = Double(count)
        let centre = density.basisProduct(reference)
        let shift = density.basisProduct(sum)
        // diag(P C Pᵀ) with C = Σ u uᵀ (lower triangle accumulated; symmetrized in a copy).
        var c = outer
        for j in 0..<d {
            for i in (j + 1)..<d { c[j + i * d] = c[i + j * d] }
        }
        var f = [Double](repeating: 0, count: d * d)
        density.decomposition.effectBasis.withUnsafeBufferPointer { p in
            c.withUnsafeBufferPointer { cp in
                f.withUnsafeMutableBufferPointer { fp in
                    KnownCovarianceLinearAlgebra.multiply(
                        m: d, n: d, k: d, a: p.baseAddress!, lda: d, b: cp.baseAddress!, ldb: d, c: fp.baseAddress!, ldc: d)
                }
            }
        }
        var squares = [Double](repeating: 0, count: d)
        density.decomposition.effectBasis.withUnsafeBufferPointer { p in
            for k in 0..<d {
                for j in 0..<d { squares[j] += f[j + k * d] * p[j + k * d] }
            }
        }
        var means = [Double](repeating: 0, count: d)
        var sds = [Double](repeating: .nan, count: d)
        for j in 0..<d {
            means[j] = centre[j] + shift[j] / t
            if count > 1 { sds[j] = (max(squares[j] - shift[j] * shift[j] / t, 0) / (t - 1)).squareRoot() }
        }
        return Summary(draws: count, layout: layout, means: means, standardDeviations: sds)
    }
}
