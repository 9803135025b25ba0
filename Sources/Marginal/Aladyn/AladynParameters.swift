/// ALADYN's estimated quantities in one of its two parameterizations, as one flat vector for the
/// optimizers. Blocks, in order:
///
/// | block | centred                    | non-centred                          | size        |
/// |-------|----------------------------|--------------------------------------|-------------|
/// | 0     | λ (N × (K+1) × T)          | δ = λ − m(γ)                          | N(K+1)T     |
/// | 1     | φ ((K+1) × D × T)          | ε = φ − μ − ψ                         | (K+1)DT     |
/// | 2     | ψ ((K+1) × D)              | ψ                                    | (K+1)D      |
/// | 3     | γ (P × K)                  | γ                                    | PK          |
/// | 4     | κ                          | κ                                    | 1           |
///
/// m_ik(γ) = r_k + g_iᵀγ_k for k < K and the healthy reference for k = K. The published γ is
/// P × (K+1), but its healthy column enters nothing (and starts at 0), so it is left out here.
public struct AladynParameters: Sendable, Equatable {
    public enum Form: String, Sendable, Codable, CaseIterable {
        /// λ and φ free, γ and ψ only in their prior means (the published `clust_huge_amp_vectorized.py`).
        case centred
        /// λ = m(γ) + δ and φ = μ + ψ + ε (`clust_huge_amp_vectorized_reparam.py`).
        case nonCentred = "non-centred"
    }

    /// The blocks, for reports.
    public enum Block: Int, Sendable, CaseIterable {
        case trajectories, diseaseLogits, diseaseOffsets, covariateEffects, scale

        public func name(in form: Form) -> String {
            switch (self, form) {
            case (.trajectories, .centred): return "lambda"
            case (.trajectories, .nonCentred): return "delta"
            case (.diseaseLogits, .centred): return "phi"
            case (.diseaseLogits, .nonCentred): return "epsilon"
            case (.diseaseOffsets, _): return "psi"
            case (.covariateEffects, _): return "gamma"
            case (.scale, _): return "kappa"
            }
        }
    }

    public let dimensions: AladynDimensions
    public var form: Form
    public var values: [Double]

    public init(dimensions: AladynDimensions, form: Form, values: [Double]) throws(AladynError) {
        let expected = Self.count(dimensions)
        guard values.count == expected else { throw .sizeMismatch(what: "the ALADYN parameter vector", expected: expected, found: values.count) }
        self.dimensions = dimensions
        self.form = form
        self.values = values
    }

    /// The blocks' index ranges in ``values``.
    public static func ranges(_ d: AladynDimensions) -> [Range<Int>] {
        let kt = d.totalSignatures
        let sizes = [d.individuals * kt * d.ages, kt * d.diseases * d.ages, kt * d.diseases, d.covariates * d.signatures, 1]
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return start..<(start + size)
        }
    }

    public static func count(_ d: AladynDimensions) -> Int { ranges(d).last?.upperBound ?? 0 }

    public func range(_ block: Block) -> Range<Int> { Self.ranges(dimensions)[block.rawValue] }

    public subscript(block: Block) -> ArraySlice<Double> { values[range(block)] }

    public var kappa: Double { values[values.count - 1] }
    public var gamma: [Double] { Array(self[.covariateEffects]) }
    public var psi: [Double] { Array(self[.diseaseOffsets]) }
}
