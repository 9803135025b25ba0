import Foundation

/// The estimation strategies `marginal compare` puts side by side, all on one model.
public enum EstimationMethod: String, Sendable, Codable, CaseIterable {
    /// REML by BOBYQA on the profiled criterion (lme4's default).
    case reml
    /// Maximum likelihood by BOBYQA on the profiled deviance.
    case ml
    /// Maximum likelihood by EM (ECME + SQUAREM); also variational EM with the exact Gaussian q(u).
    case em
    /// Joint MAP over (β, b, σ, covariance), centered, by L-BFGS.
    case map
    /// Joint MAP, non-centered (b = T z), by L-BFGS.
    case mapNonCentered = "map-nc"
    /// Mean-field ADVI on the density with every random effect integrated out (a generalized
    /// model: on the density NUTS samples, every effect in q, scalar terms partially centred).
    case vi
    /// Mean-field ADVI on the joint non-centered density (random effects in q too).
    case viJoint = "vi-joint"
    /// NUTS on the density with every random effect integrated out; posterior means.
    case nuts
    /// Penalized quasi-likelihood (``PenalizedQuasiLikelihoodFit``), for generalized models.
    case pql
    /// NUTS with every random effect integrated out by the Laplace approximation (generalized
    /// models): how far the approximation moves the posterior beside `nuts`.
    case nutsLaplace = "nuts-laplace"

    /// Whether `compare` runs the method when none are named: all but `nuts-laplace`, an
    /// approximation of the `nuts` row that costs a PIRLS solve per gradient.
    public var runsByDefault: Bool { self != .nutsLaplace }

    /// What the method's objective column holds.
    public var objectiveName: String {
        switch self {
        case .reml: "REML criterion"
        case .ml, .em: "deviance"
        case .map, .mapNonCentered: "log joint posterior"
        case .vi, .viJoint: "ELBO"
        case .nuts, .pql, .nutsLaplace: "none"
        }
    }

    /// One line on how the method treats the random effects and what it reports.
    public var summary: String {
        switch self {
        case .reml: "random effects and β integrated out; REML estimate"
        case .ml: "random effects integrated out; ML estimate"
        case .em: "EM (= variational EM with exact Gaussian q(u)); ML estimate"
        case .map: "joint MAP, centered (u free), L-BFGS"
        case .mapNonCentered: "joint MAP, non-centered (u = T z), L-BFGS"
        case .vi: "mean-field ADVI, random effects integrated out (generalized: every effect in q, partially centered); means under q"
        case .viJoint: "mean-field ADVI on the joint non-centered density; means under q"
        case .nuts: "NUTS, random effects integrated out (generalized: the sampler's automatic strategy); posterior means"
        case .pql: "penalized quasi-likelihood (MASS::glmmPQL): working LMMs by ML, effects maximized with β"
        case .nutsLaplace: "NUTS, random effects integrated out by the Laplace approximation (approximate); posterior means"
        }
    }

    /// Parses a comma-separated list (`reml,ml,map-nc`); nil with the offending name otherwise.
    public static func list(_ text: String) -> Result<[EstimationMethod], EstimationError> {
        var methods: [EstimationMethod] = []
        for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !name.isEmpty {
            guard let method = EstimationMethod(rawValue: name) else {
                return .failure(.invalidOption(
                    name: "--methods", value: name,
                    requirement: "one of " + allCases.map(\.rawValue).joined(separator: ", ")))
            }
            if !methods.contains(method) { methods.append(method) }
        }
        guard !methods.isEmpty else {
            return .failure(.invalidOption(name: "--methods", value: "'\(text)'", requirement: "a comma-separated list of methods"))
        }
        return .success(methods)
    }
}
