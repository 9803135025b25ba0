import Foundation

/// The priors of a Bayesian linear mixed model, one per parameter of
/// ``MixedModelParameterization`` (a correlation matrix has one LKJ prior for the whole matrix).
///
/// Defaults are weakly informative and scaled to the data, in the spirit of brms and rstanarm,
/// with s = 2.5 · mad(y) (R's mad: 1.4826 × the median absolute deviation; sd(y) if that is 0):
///
/// - `b[(Intercept)]` ~ student-t(3, median(y), s), as brms, on the intercept at the means of
///   the other columns of X, b₀ + Σⱼ x̄ⱼ bⱼ (the mean response; brms centres the predictors
///   for this prior), so that a predictor far from 0 (a temperature, a year) does not make the
///   prior pull the fitted line towards median(y) at x = 0 (a prior the user sets on
///   `b[(Intercept)]` is on b₀ itself);
/// - every other `b[x]` ~ normal(0, 2.5 · sd(y) / sd(x)) (rstanarm's autoscaled prior; brms's
///   default is flat, which we avoid so that every default posterior is proper);
/// - `sigma` and every `sd[g][z]` ~ half-student-t(3, s) (brms);
/// - every `cor[g]` ~ lkj(2) (mild shrinkage toward independence, the DESIGN's choice);
/// - each unconstrained parameter φ of a glmmTMB structure ~ normal(φ₀, 1.5), φ₀ the fit's start
///   (ρ = 0, or a range equal to the typical gap between coordinates): for `ar1` and `toep`'s
///   ρ = φ/√(1 + φ²) it puts 95% of the mass on |ρ| < 0.95, for `cs`'s logistic φ likewise inside its
///   range, for a log range or rate a factor of e^{2.9} ≈ 19 either way.
public struct MixedModelPriors: Sendable, Equatable {
    public var fixedEffects: [Prior]
    public var sigma: Prior
    /// Part by part, as the SDs are laid out.
    public var standardDeviations: [Prior]
    /// One per correlated part; always `.lkj`.
    public var correlations: [Prior]
    /// One per φ of a glmmTMB structure, on its unconstrained scale (`rho.transformed[g]`).
    public var structureParameters: [Prior] = []
    /// Names of the parameters whose prior the user set.
    public var userSet: Set<String> = []
    /// x̄ⱼ, the mean of each column of X (0 for the intercept's own column), when the intercept's
    /// prior is on b₀ + Σⱼ x̄ⱼ bⱼ; empty when it is on b₀ itself (no intercept, or no data).
    public var predictorMeans: [Double] = []

    static func defaults(for layout: MixedModelParameterization, design: ModelDesign) -> MixedModelPriors {
        let y = design.response
        let sdY = Self.standardDeviation(y)
        let medianY = Self.median(y)
        var madY = 1.4826 * Self.median(y.map { abs($0 - medianY) })
        if !(madY > 0) { madY = sdY }
        let scale = 2.5 * madY
        let x = design.fixedEffects.matrix
        let fixed: [Prior] = design.fixedEffects.names.enumerated().map { j, name in
            if name == "(Intercept)" { return .studentT(df: 3, mean: medianY, scale: scale) }
            let column = Array(x.elements[(j * x.rows)..<((j + 1) * x.rows)])
            var sdX = Self.standardDeviation(column)
            if !(sdX > 0) { sdX = column.map { abs($0) }.max() ?? 1 }
            return .normal(mean: 0, sd: 2.5 * sdY / sdX)
        }
        var priors = MixedModelPriors(
            fixedEffects: fixed, sigma: .halfStudentT(df: 3, scale: scale),
            standardDeviations: Array(repeating: .halfStudentT(df: 3, scale: scale), count: layout.sdCount),
            correlations: Array(repeating: .lkj(eta: 2), count: layout.correlatedPartCount),
            structureParameters: layout.defaultStructurePriors)
        if design.fixedEffects.names.contains("(Intercept)"), x.rows > 0 {
            priors.predictorMeans = design.fixedEffects.names.enumerated().map { j, name in
                name == "(Intercept)" ? 0 : x.elements[(j * x.rows)..<((j + 1) * x.rows)].reduce(0, +) / Double(x.rows)
            }
        }
        return priors
    }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let n = sorted.count
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2])
    }

    static func standardDeviation(_ values: [Double]) -> Double {
        guard values.count > 1 else { return 0 }
        let mean = values.reduce(0, +) / Double(values.count)
        return (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot()
    }
}

extension MixedModelParameterization {
    /// What the intercept's prior is on when it is centred: `b[(Intercept)] + 4.5·b[Days]`;
    /// nil when it is on `b[(Intercept)]` itself.
    public var interceptPriorTarget: String? {
        let means = priors.predictorMeans
        guard !means.isEmpty, let j = fixedNames.firstIndex(of: "(Intercept)") else { return nil }
        let terms = fixedNames.indices.filter { $0 != j && means[$0] != 0 }.map { k in
            "\(String(format: "%.4g", means[k]))·b[\(fixedNames[k])]"
        }
        return terms.isEmpty ? nil : (["b[(Intercept)]"] + terms).joined(separator: " + ")
    }

    /// Every prior with the name users write: `b[…]`, `sigma`, `sd[g][z]`, `cor[g]`.
    public var namedPriors: [(name: String, prior: Prior)] {
        var result = zip(fixedNames, priors.fixedEffects).map { (name: "b[\($0)]", prior: $1) }
        result.append((name: "sigma", prior: priors.sigma))
        for block in blocks {
            for part in block.parts {
                for (a, name) in part.sdNames.enumerated() {
                    result.append((name: name, prior: priors.standardDeviations[part.sdIndex + a]))
                }
                for (i, name) in part.structurePriorNames.enumerated() {
                    result.append((name: name, prior: priors.structureParameters[part.structureParameterIndex + i]))
                }
                if part.hasCorrelation {
                    result.append((name: "cor[\(part.label)]", prior: priors.correlations[part.correlationIndex]))
                }
            }
        }
        return result
    }

    /// Sets one prior by name, checking that the distribution suits the parameter.
    public mutating func setPrior(_ prior: Prior, for name: String) throws(PriorError) {
        if name.hasPrefix("b["), let j = fixedNames.firstIndex(where: { "b[\($0)]" == name }) {
            guard prior.isForRealLine else { throw .unsuitable(parameter: name, prior: prior, reason: "a fixed effect takes normal, student-t or flat") }
            priors.fixedEffects[j] = prior
            // A prior the user names b[(Intercept)] is on b₀ itself, as written.
            if fixedNames[j] == "(Intercept)" { priors.predictorMeans = [] }
        } else if name == "sigma" {
            guard prior.isForScale else { throw .unsuitable(parameter: name, prior: prior, reason: "sigma is positive: use half-normal, half-student-t, exponential or flat") }
            priors.sigma = prior
        } else if let (part, a) = sdPosition(of: name) {
            guard prior.isForScale else { throw .unsuitable(parameter: name, prior: prior, reason: "an SD is positive: use half-normal, half-student-t, exponential or flat") }
            priors.standardDeviations[part.sdIndex + a] = prior
        } else if let (part, i) = structurePriorPosition(of: name) {
            guard prior.isForRealLine else {
                throw .unsuitable(parameter: name, prior: prior, reason: "a structure's unconstrained parameter takes normal, student-t or flat")
            }
            priors.structureParameters[part.structureParameterIndex + i] = prior
        } else if let part = blocks.flatMap(\.parts).first(where: { $0.hasCorrelation && "cor[\($0.label)]" == name }) {
            guard case .lkj = prior else { throw .unsuitable(parameter: name, prior: prior, reason: "a correlation matrix takes lkj(eta)") }
            priors.correlations[part.correlationIndex] = prior
        } else {
            throw .unknownParameter(name, suggestion: closestName(to: name, among: namedPriors.map(\.name)))
        }
        priors.userSet.insert(name)
    }

    /// Applies `NAME=DISTRIBUTION` settings in order (a later one for the same name wins).
    public mutating func setPriors(_ settings: [String]) throws(PriorError) {
        for setting in settings {
            let (name, prior) = try Prior.setting(setting)
            try setPrior(prior, for: name)
        }
    }

    private func sdPosition(of name: String) -> (Part, Int)? {
        for block in blocks {
            for part in block.parts {
                if let a = part.sdNames.firstIndex(of: name) { return (part, a) }
            }
        }
        return nil
    }

    private func structurePriorPosition(of name: String) -> (Part, Int)? {
        for block in blocks {
            for part in block.parts {
                if let i = part.structurePriorNames.firstIndex(of: name) { return (part, i) }
            }
        }
        return nil
    }

    /// normal(φ₀, 1.5) for every structured part's φ (φ₀ its start), in order.
    var defaultStructurePriors: [Prior] {
        blocks.flatMap(\.parts).flatMap { part in (part.structure?.correlationInitial ?? []).map { Prior.normal(mean: $0, sd: 1.5) } }
    }
}
