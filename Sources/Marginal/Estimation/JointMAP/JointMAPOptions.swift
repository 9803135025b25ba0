/// The coordinates joint MAP moves in. All three describe the same objective F(β, b, σ, Σ) at the
/// same points, so they share its stationary points; gradient methods take different paths in
/// them, and Adam, which is not invariant to changes of variables, can stop elsewhere.
public enum JointMAPParameterization: String, Sendable, Codable, CaseIterable {
    /// The random effects b themselves, b_kj ~ N(0, Σ_k).
    case centered
    /// Standardized effects z with b_kj = T_k z_kj (Σ_k = T_k T_kᵀ).
    case nonCentered = "noncentered"
    /// Hierarchical centering (``HierarchicalCentering``): u = b + (group-level fixed effects), so
    /// the group-level coefficients enter only u's prior mean and get no likelihood gradient.
    case hierarchical
}

/// How ``LinearMixedModel/fitJointMAP(_:)`` runs.
public struct JointMAPOptions: Sendable {
    /// The optimizer.
    public enum Optimizer: Sendable, Equatable {
        /// NLopt's L-BFGS to convergence (relative objective change below 1e-12), at most this many
        /// evaluations.
        case lbfgs(maximumEvaluations: Int)
        /// ``AdamMinimizer`` with this learning rate and stopping rule (a fixed budget or convergence).
        case adam(learningRate: Double, stopping: AdamMinimizer.Stopping)

        public var name: String {
            switch self {
            case .lbfgs: "L-BFGS"
            case .adam(_, .budget(let iterations)): "Adam (budget \(iterations))"
            case .adam: "Adam (to convergence)"
            }
        }
    }

    /// Where the optimizer starts.
    public enum Start: Sendable, Equatable {
        /// At the ML fit: β̂, σ̂, the covariance factors (each SD at least 10⁻³ σ̂, so that the
        /// non-centered coordinates exist) and the conditional modes of the random effects.
        case maximumLikelihood
        /// At given global coordinates (``MixedModelParameterization``'s layout) and random
        /// effects b (in the joint density's `randomEffectNames` order).
        case point(globals: [Double], randomEffects: [Double])
    }

    public var parameterization: JointMAPParameterization
    public var optimizer: Optimizer
    /// Whether F includes log |J| of the map from the optimizer's coordinates to (σ, SDs,
    /// correlation factor). Default false: the mode of the posterior in the model's own parameters,
    /// the same whatever coordinates the optimizer uses (Stan's `optimize` also leaves the
    /// Jacobian out by default). With it, F is the density of the unconstrained coordinates; the
    /// collapse happens either way (see ``LinearMixedModel/fitJointMAP(_:)``).
    public var includeJacobian: Bool
    /// Parameters held at a value on their own scale, by name: `b[name]`, `sigma`, `sd[group][column]`.
    public var fixed: [String: Double]
    public var start: Start
    /// `NAME=DISTRIBUTION` prior settings applied to the default priors (as `marginal sample --prior`).
    public var priors: [String]

    public init(
        parameterization: JointMAPParameterization = .centered, optimizer: Optimizer = .lbfgs(maximumEvaluations: 20_000),
        includeJacobian: Bool = false, fixed: [String: Double] = [:], start: Start = .maximumLikelihood, priors: [String] = []
    ) {
        self.parameterization = parameterization
        self.optimizer = optimizer
        self.includeJacobian = includeJacobian
        self.fixed = fixed
        self.start = start
        self.priors = priors
    }
}
