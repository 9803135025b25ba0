import Foundation

/// The priors of a Bayesian generalized linear mixed model with one scalar random-effect term:
/// one per fixed effect and one on the term's SD (binomial and Poisson models have no σ).
///
/// Defaults are weakly informative on the link's scale, as rstanarm's and brms's for these
/// families (Gelman et al. 2008, "A weakly informative default prior distribution for logistic
/// and other regression models"): on the logit or log scale a unit change is large, so the
/// scales do not depend on the response:
///
/// - `b[(Intercept)]` ~ student-t(3, 0, 2.5) (brms), on b₀ itself;
/// - every other `b[x]` ~ normal(0, 2.5 / sd(x)) (rstanarm's autoscaled prior for GLMs);
/// - `sd[g][z]` ~ half-student-t(3, 2.5) (brms's default SD prior for these families).
struct GeneralizedPriors: Sendable {
    var fixedEffects: [Prior]
    var standardDeviation: Prior
    let fixedNames: [String]
    /// `sd[g][z]`.
    let sdName: String
    var userSet: Set<String> = []

    init(design: ModelDesign, group: String, column: String) {
        fixedNames = design.fixedEffects.names
        sdName = "sd[\(group)][\(column)]"
        let x = design.fixedEffects.matrix
        fixedEffects = design.fixedEffects.names.enumerated().map { j, name in
            if name == "(Intercept)" { return .studentT(df: 3, mean: 0, scale: 2.5) }
            let column = Array(x.elements[(j * x.rows)..<((j + 1) * x.rows)])
            var sd = MixedModelPriors.standardDeviation(column)
            if !(sd > 0) { sd = column.map { abs($0) }.max() ?? 1 }
            if !(sd > 0) { sd = 1 }
            return .normal(mean: 0, sd: 2.5 / sd)
        }
        standardDeviation = .halfStudentT(df: 3, scale: 2.5)
    }

    var entries: [PosteriorSample.PriorEntry] {
        zip(fixedNames, fixedEffects).map { PosteriorSample.PriorEntry(name: "b[\($0)]", prior: $1, userSet: userSet.contains("b[\($0)]")) }
            + [PosteriorSample.PriorEntry(name: sdName, prior: standardDeviation, userSet: userSet.contains(sdName))]
    }

    /// Applies `NAME=DISTRIBUTION` settings in order (a later one for the same name wins).
    mutating func set(_ settings: [String]) throws(PriorError) {
        for setting in settings {
            let (name, prior) = try Prior.setting(setting)
            if let j = fixedNames.firstIndex(where: { "b[\($0)]" == name }) {
                guard prior.isForRealLine else { throw .unsuitable(parameter: name, prior: prior, reason: "a fixed effect is real: use normal, student-t or flat") }
                fixedEffects[j] = prior
            } else if name == sdName {
                guard prior.isForScale else { throw .unsuitable(parameter: name, prior: prior, reason: "an SD is positive: use half-normal, half-student-t, exponential or flat") }
                standardDeviation = prior
            } else {
                throw .unknownParameter(name, suggestion: closestName(to: name, among: entries.map(\.name)))
            }
            userSet.insert(name)
        }
    }
}
