import Foundation

/// The priors and global coordinates of a Bayesian generalized linear mixed model: the linear
/// model's layout (``MixedModelParameterization``: β, then per term its log SDs and, for a
/// correlated vector term, the unconstrained values of its correlation Cholesky factor) without
/// σ, since binomial and Poisson models have no dispersion. The generalized density's globals are
///
///     x = [γ₁ … γ_p, per block and part: log sd₁ … log sd_m, y₁ … y_{m(m−1)/2}],
///
/// the linear layout's x with its log σ coordinate (index p) left out; ``layoutCoordinates(_:)``
/// puts it back as 0 (σ = 1, under a flat prior, contributing nothing). The fixed effects are
/// β = Bγ in the coordinates of X's thin QR factor, B = √n R⁻¹ with R's diagonal positive
/// (``FixedEffectsBasis``): the columns XB/√n are orthonormal, so the design correlates γ's
/// coordinates as little as it can (brms's `decomp = "QR"`). An uncentred covariate such as
/// VerbAgg's Anger (mean 20) otherwise ties its slope to the intercept at correlation −0.97,
/// and a diagonal metric then needs a step a tenth as long: sampling VerbAgg every effect
/// non-centred, one chain of 1,000 + 200, went from 0.10 to 2.1 min-ESS/s. The Jacobian is
/// constant; an intercept-only model has B = 1.
///
/// Defaults are weakly informative on the link's scale, as rstanarm's and brms's for these
/// families (Gelman et al. 2008, "A weakly informative default prior distribution for logistic
/// and other regression models"): on the logit or log scale a unit change is large, so the
/// scales do not depend on the response:
///
/// - `b[(Intercept)]` ~ student-t(3, 0, 2.5) (brms), on b₀ itself;
/// - every other `b[x]` ~ normal(0, 2.5 / sd(x)) (rstanarm's autoscaled prior for GLMs);
/// - every `sd[g][z]` ~ half-student-t(3, 2.5) (brms's default SD prior for these families);
/// - every `cor[g]` ~ lkj(2), as for the linear model (``MixedModelPriors``).
struct GeneralizedPriors: Sendable {
    /// The linear model's layout for the same fixed effects and blocks, σ under a flat prior.
    private(set) var layout: MixedModelParameterization
    /// B (p × p upper triangular, column-major): β = Bγ.
    let fixedBasis: [Double]

    init(design: ModelDesign, blocks: [RandomEffectBlock]) {
        layout = MixedModelParameterization(fixedNames: design.fixedEffects.names, blocks: blocks)
        let x = design.fixedEffects.matrix
        fixedBasis = Self.fixedBasis(x)
        layout.priors.fixedEffects = design.fixedEffects.names.enumerated().map { j, name in
            if name == "(Intercept)" { return .studentT(df: 3, mean: 0, scale: 2.5) }
            let column = Array(x.elements[(j * x.rows)..<((j + 1) * x.rows)])
            var sd = MixedModelPriors.standardDeviation(column)
            if !(sd > 0) { sd = column.map { abs($0) }.max() ?? 1 }
            if !(sd > 0) { sd = 1 }
            return .normal(mean: 0, sd: 2.5 / sd)
        }
        layout.priors.standardDeviations = Array(repeating: .halfStudentT(df: 3, scale: 2.5), count: layout.sdCount)
        layout.priors.correlations = Array(repeating: .lkj(eta: 2), count: layout.correlatedPartCount)
        layout.priors.structureParameters = layout.defaultStructurePriors
    }

    var fixedEffects: [Prior] { layout.priors.fixedEffects }
    /// The first term's first SD's prior (the one SD of a model with one scalar term).
    var standardDeviation: Prior { layout.priors.standardDeviations.first ?? .flat }
    var p: Int { layout.fixedNames.count }
    /// Number of global coordinates: the layout's without σ.
    var dimension: Int { layout.dimension - 1 }

    /// Every prior with the name users write: `b[…]`, `sd[g][z]`, `cor[g]`.
    var entries: [PosteriorSample.PriorEntry] {
        layout.namedPriors.filter { $0.name != "sigma" }.map {
            PosteriorSample.PriorEntry(name: $0.name, prior: $0.prior, userSet: layout.priors.userSet.contains($0.name))
        }
    }

    /// Names of the reported globals: `b[…]`, then per term `sd[…][…]` and `cor[…][a,b]`.
    var parameterNames: [String] {
        var names = layout.parameterNames
        names.remove(at: p)
        return names
    }

    /// The linear layout's coordinates for the generalized globals (the first ``dimension``
    /// values of `x`): log σ = 0 inserted at index p.
    func layoutCoordinates(_ x: [Double]) -> [Double] {
        var full = [Double](repeating: 0, count: layout.dimension)
        layoutCoordinates(x, into: &full)
        return full
    }

    /// ``layoutCoordinates(_:)`` into preallocated storage (``layout``'s dimension).
    func layoutCoordinates(_ x: [Double], into full: inout [Double]) {
        let p = self.p
        for i in 0..<p {
            var sum = 0.0
            for j in i..<p { sum += fixedBasis[i + j * p] * x[j] }
            full[i] = sum
        }
        full[p] = 0
        for j in p..<dimension { full[j + 1] = x[j] }
    }

    /// The gradient in x from the layout's (∂/∂γ = Bᵀ ∂/∂β; log σ's left out), into `gradient`.
    func pullBack(_ layoutGradient: [Double], into gradient: inout [Double]) {
        let p = self.p
        for j in 0..<p {
            var sum = 0.0
            for i in 0...j { sum += fixedBasis[i + j * p] * layoutGradient[i] }
            gradient[j] = sum
        }
        for j in p..<dimension { gradient[j] = layoutGradient[j + 1] }
    }

    /// γ with Bγ = β: the coordinates of a given β.
    func fixedCoordinates(_ beta: [Double]) -> [Double] {
        var gamma = beta
        for i in stride(from: p - 1, through: 0, by: -1) {
            var value = beta[i]
            for j in (i + 1)..<p { value -= fixedBasis[i + j * p] * gamma[j] }
            gamma[i] = value / fixedBasis[i + i * p]
        }
        return gamma
    }

    /// B = √n R⁻¹ for the thin QR factor X = QR with R's diagonal positive (R from
    /// ``FixedEffectsBasis``, which keeps a column whose pivot vanishes by rounding as it is), so
    /// that an intercept-only model has B = 1.
    static func fixedBasis(_ x: Matrix) -> [Double] {
        let n = x.rows, p = x.columns
        var r = FixedEffectsBasis(x: x, y: [Double](repeating: 0, count: n), weights: nil).r
        for i in 0..<p where r[i + i * p] < 0 {
            for j in i..<p { r[i + j * p] = -r[i + j * p] }
        }
        let scale = Double(max(n, 1)).squareRoot()
        var inverse = [Double](repeating: 0, count: p * p)
        for j in 0..<p {
            for i in stride(from: j, through: 0, by: -1) {
                var value = i == j ? 1.0 : 0.0
                for k in (i + 1)..<(j + 1) { value -= r[i + k * p] * inverse[k + j * p] }
                inverse[i + j * p] = value / r[i + i * p]
            }
        }
        return inverse.map { $0 * scale }
    }

    /// The reported values at x, in the order of ``parameterNames``.
    func reportedValues(_ x: [Double]) -> [Double] {
        var values = layout.reportedValues(layoutCoordinates(x))
        values.remove(at: p)
        return values
    }

    /// Sets one prior by name (``MixedModelParameterization/setPrior(_:for:)``); `sigma` is
    /// refused: these families have no dispersion.
    mutating func setPrior(_ prior: Prior, for name: String) throws(PriorError) {
        guard name != "sigma" else {
            throw .unknownParameter(name, suggestion: closestName(to: name, among: entries.map(\.name)))
        }
        try layout.setPrior(prior, for: name)
    }

    /// Applies `NAME=DISTRIBUTION` settings in order (a later one for the same name wins).
    mutating func set(_ settings: [String]) throws(PriorError) {
        for setting in settings {
            let (name, prior) = try Prior.setting(setting)
            try setPrior(prior, for: name)
        }
    }
}
