import Foundation

/// A linear mixed model y | b ~ N(Xβ + Zb, σ²I), b = Λ(θ)u, u ~ N(0, σ²I), ready to fit by
/// maximum likelihood or REML with the profiled-deviance method of lme4 and MixedModels.jl
/// (Bates, Mächler, Bolker & Walker 2015).
///
/// Construction makes the one pass over the data (``CrossProducts``); each evaluation of the
/// objective at a θ only refactors the blocked matrix (``PenalizedLeastSquares``).
public struct LinearMixedModel: Sendable {
    public internal(set) var design: ModelDesign
    let blocks: [RandomEffectBlock]
    var products: CrossProducts

    /// Checks the design (finite values, identifiability as lme4 checks it) and forms the cross products.
    /// Unlike lme4, a grouping factor with a single level is accepted (``ModelDesign`` warns about it):
    /// its effects' covariance is then learned from one effect, as a prior variance is by empirical Bayes.
    public init(design: ModelDesign) throws(MixedModelError) {
        let n = design.nobs
        let p = design.fixedEffects.p
        guard !design.randomEffects.isEmpty else { throw .noRandomEffects }
        guard !design.responseIsBinomialProportion else { throw .binomialResponseNeedsFamily }
        if let bad = design.firstNonFiniteValue() { throw .nonFiniteValue(variable: bad.variable, row: bad.row) }
        if let first = design.response.first, design.response.allSatisfy({ $0 == first }) {
            throw .constantResponse(name: design.responseName)
        }
        guard n > p else { throw .noResidualDegreesOfFreedom(observations: n, fixedEffects: p) }
        // lme4's checks, term by term (terms on one factor are pooled into one block only after).
        // A structured term has few parameters however many effects (glmmTMB fits an AR(1) with
        // one observation per time, S·ℓ = n).
        for term in design.randomEffects {
            if term.levels.count >= n { throw .tooManyLevels(group: term.group, levels: term.levels.count, observations: n) }
            guard term.structure == nil else { continue }
            let effects = term.levels.count * term.dimension
            if effects >= n { throw .tooManyRandomEffects(group: term.group, effects: effects, observations: n) }
        }
        let blocks = RandomEffectBlock.blocks(of: design.randomEffects)
        self.design = design
        self.blocks = blocks
        self.products = try CrossProducts(
            blocks: blocks, x: design.fixedEffects.matrix, y: design.responseLessOffset, weights: design.weights)
    }

    /// The covariance factors of the blocks, in θ order.
    var factors: [CovarianceFactor] { blocks.map(\.factor) }

    /// θ's order and its map to the blocks' λ.
    var thetaLayout: ThetaLayout { ThetaLayout(factors: factors) }

    /// Number of θ parameters.
    public var thetaCount: Int { thetaLayout.count }

    /// lme4's starting θ: λ = I for every block.
    public var initialTheta: [Double] { thetaLayout.initial }

    /// The optimizer's scale of each θ element: the root mean square c of the random-effect column
    /// of its row of λ when that is outside [0.1, 10], else 1. BOBYQA works on φ = c·θ, the
    /// relative covariance factor of the columns scaled to unit root mean square, so that a
    /// covariate in seconds rather than days (× 86,400, or × 10⁻⁶) gets steps of the right size
    /// and stops where it should. Columns already in sensible units keep c = 1, which leaves
    /// BOBYQA's path (and lme4's comparison) as it is on ordinary data.
    var thetaScales: [Double] {
        let rms = blocks.map { block in
            let n = block.codes.count
            return (0..<block.dimension).map { a in
                let sum = (0..<n).reduce(0.0) { $0 + block.z[a, $1] * block.z[a, $1] }
                let value = (sum / Double(max(n, 1))).squareRoot()
                return value.isFinite && (value < 0.1 || value > 10) ? value : 1
            }
        }
        return thetaLayout.scaleColumns.map { element in element.column.map { rms[element.block][$0] } ?? 1 }
    }

    /// Lower bounds on θ: 0 for the diagonal elements of each λ, −∞ for the others.
    public var thetaLowerBounds: [Double] { thetaLayout.lowerBounds }

    /// Names of the θ elements in lme4's spelling: `Subject.(Intercept)`, `Subject.Days.(Intercept)`.
    public var thetaNames: [String] { thetaLayout.names(of: blocks) }

    /// Throws for a model with a glmmTMB covariance structure, which `method` does not cover.
    func requireUnstructuredCovariance(for method: String) throws(MixedModelError) {
        guard thetaLayout.isUnstructured else { throw .unstructuredCovarianceRequired(method: method) }
    }

    /// The objective a failed factorization reports: large and finite, so the optimizer steps
    /// back instead of stopping on an infinity.
    static let failedFactorizationObjective = 1e100

    /// The profiled objective (deviance for ML, REML criterion for REML) at θ.
    public func objective(theta: [Double], criterion: FitCriterion) -> Double {
        var factor = PenalizedLeastSquares(products: products, factors: factors)
        return Self.objective(&factor, theta: theta, criterion: criterion)
    }

    static func objective(_ factor: inout PenalizedLeastSquares, theta: [Double], criterion: FitCriterion) -> Double {
        guard factor.update(theta: theta) else { return failedFactorizationObjective }
        let value = criterion.objective(
            logDetRandom: factor.logDeterminantRandom, logDetFixed: factor.logDeterminantFixed,
            pwrss: factor.penalizedResidualSumOfSquares, n: factor.products.n, p: factor.products.p,
            logWeightSum: factor.products.logWeightSum)
        return value.isFinite ? value : failedFactorizationObjective
    }
}

extension LinearMixedModel {
    /// A model from an lme4 formula and a data frame, e.g.
    /// `LinearMixedModel(formula: "Reaction ~ 1 + Days + (1 + Days | Subject)", data: sleepstudy)`.
    ///
    /// Throws a ``FormulaError`` for a formula that does not fit the data and a
    /// ``MixedModelError`` for a model that cannot be fitted.
    public init(formula: String, data: DataFrame, options: DesignOptions = DesignOptions()) throws {
        try self.init(design: ModelDesign(formula: formula, data: data, options: options))
    }
}
