import Foundation

/// A generalized linear mixed model: yᵢ | b from a ``ResponseFamily`` with mean μᵢ,
/// g(μᵢ) = ηᵢ = oᵢ + xᵢᵀβ + zᵢᵀb, b = Λ(θ)u, u ~ N(0, I) (lme4's `glmer`; Bates et al. 2015,
/// §5 of the lme4 vignette; MixedModels.jl's `GeneralizedLinearMixedModel`).
///
/// It is a thin layer over the linear model's engine: the same blocks, θ layout and
/// ``PenalizedLeastSquares`` core, which penalized iteratively reweighted least squares (PIRLS)
/// reweights at every step with the working weights and response instead of the prior weights
/// and y. Two cores share the blocks: one over [Z X z], where PIRLS finds β and u together (lme4's
/// nAGQ = 0 stage), and one over [Z z], where β is held and enters through the offset (the Laplace
/// stage, which optimizes over θ and β together).
public struct GeneralizedLinearMixedModel: Sendable {
    public let design: ModelDesign
    public internal(set) var family: any ResponseFamily
    public let link: Link
    let blocks: [RandomEffectBlock]
    let thetaLayout: ThetaLayout
    /// The core over [Z X z] and the one over [Z z].
    let withFixedEffects: PenalizedLeastSquares
    let effectsOnly: PenalizedLeastSquares
    /// Which information enters the Laplace log-determinant where the link is not canonical:
    /// the expected (PIRLS's working weights; lme4's `glmer` and `glmer.nb`, the default) or the
    /// observed (the exact Laplace approximation of TMB and glmmTMB).
    public var information: LaplaceInformation = .expected
    /// wᵢ (1 without weights; the trials of a binomial proportion) and oᵢ (0 without an offset).
    let priorWeights: [Double]
    let offset: [Double]

    /// Checks the responses against the family and the design as the linear model does, and
    /// forms the two cores' patterns.
    public init(design: ModelDesign, family: any ResponseFamily, link: Link? = nil) throws(MixedModelError) {
        let link = link ?? family.defaultLink
        guard family.links.contains(link) else {
            throw .unsupportedLink(family: family.name, link: link.rawValue, supported: family.links.map(\.rawValue))
        }
        let n = design.nobs
        let p = design.fixedEffects.p
        guard !design.randomEffects.isEmpty else { throw .noRandomEffects }
        if let bad = design.firstNonFiniteValue() { throw .nonFiniteValue(variable: bad.variable, row: bad.row) }
        let weights = design.weights ?? Array(repeating: 1, count: n)
        for i in 0..<n {
            if let reason = family.invalidResponse(design.response[i], weight: weights[i]) {
                throw .invalidResponse(family: family.name, row: i + 1, reason: reason)
            }
        }
        guard n > p else { throw .noResidualDegreesOfFreedom(observations: n, fixedEffects: p) }
        for term in design.randomEffects where term.levels.count > n {
            throw .tooManyLevels(group: term.group, levels: term.levels.count, observations: n)
        }
        let blocks = RandomEffectBlock.blocks(of: design.randomEffects)
        var design = design
        // An observation-level random effect is identifiable without a residual variance.
        let confounding = Set(design.randomEffects.map {
            ModelDesign.residualConfoundingWarning(group: $0.group, levels: $0.levelCount, observations: n)
        })
        design.warnings.removeAll { confounding.contains($0) }
        self.design = design
        self.family = family
        self.link = link
        self.blocks = blocks
        let factors = blocks.map(\.factor)
        thetaLayout = ThetaLayout(factors: factors)
        priorWeights = weights
        offset = design.offset ?? Array(repeating: 0, count: n)
        let start = (0..<n).map { family.initialMean(design.response[$0], weight: weights[$0]) }
        withFixedEffects = PenalizedLeastSquares(
            products: try CrossProducts(blocks: blocks, x: design.fixedEffects.matrix, y: start, weights: weights), factors: factors)
        effectsOnly = PenalizedLeastSquares(
            products: try CrossProducts(blocks: blocks, x: Matrix(rows: n, columns: 0), y: start, weights: weights), factors: factors)
    }

    /// Number of θ parameters, their names (lme4's spelling) and lower bounds.
    public var thetaCount: Int { thetaLayout.count }
    public var thetaNames: [String] { thetaLayout.names(of: blocks) }
}

/// The information in a generalized model's Laplace log-determinant log det(ΛᵀZᵀWZΛ + I): W the
/// expected information (Fisher's, lme4) or the observed information −∂² log p/∂η² (glmmTMB). They
/// agree for a canonical link.
public enum LaplaceInformation: String, Sendable, CaseIterable, Codable {
    case expected, observed
}
