import Foundation

/// The priors and global coordinates of a Bayesian generalized linear mixed model: the linear
/// model's layout (``MixedModelParameterization``: β, then per term its log SDs and, for a
/// correlated vector term, the unconstrained values of its correlation Cholesky factor) without
/// σ, since binomial and Poisson models have no dispersion. The generalized density's globals are
///
///     x = [β₁ … β_p, per block and part: log sd₁ … log sd_m, y₁ … y_{m(m−1)/2}],
///
/// the linear layout's x with its log σ coordinate (index p) left out; ``layoutCoordinates(_:)``
/// puts it back as 0 (σ = 1, under a flat prior, contributing nothing).
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

    init(design: ModelDesign, blocks: [RandomEffectBlock]) {
        layout = MixedModelParameterization(fixedNames: design.fixedEffects.names, blocks: blocks)
        let x = design.fixedEffects.matrix
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
        var full = Array(x.prefix(dimension))
        full.insert(0, at: p)
        return full
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
