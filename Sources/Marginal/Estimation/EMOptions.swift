/// How ``LinearMixedModel/fitEM(_:progress:)`` runs.
public struct EMOptions: Sendable {
    /// ML (EM on the likelihood) or REML (EM on the restricted likelihood, β integrated out).
    public var criterion: FitCriterion
    public var acceleration: EMAcceleration
    /// Stop when the objective fell by at most `relativeTolerance · max(1, |objective|)` in the
    /// last iteration and the remaining decrease, extrapolated from the last two decreases as a
    /// geometric series (Aitken), is below the same bound.
    public var relativeTolerance: Double
    /// At most this many iterations (accepted iterates).
    public var maximumIterations: Int

    public init(
        criterion: FitCriterion = .ml, acceleration: EMAcceleration = .squarem,
        relativeTolerance: Double = 1e-12, maximumIterations: Int = 10_000
    ) {
        self.criterion = criterion
        self.acceleration = acceleration
        self.relativeTolerance = relativeTolerance
        self.maximumIterations = maximumIterations
    }

    /// Checks the numeric settings.
    func validated() throws(EstimationError) -> EMOptions {
        guard relativeTolerance.isFinite, relativeTolerance > 0 else {
            throw .invalidOption(name: "relativeTolerance", value: "\(relativeTolerance)", requirement: "a positive finite number")
        }
        guard maximumIterations >= 1 else {
            throw .invalidOption(name: "maximumIterations", value: "\(maximumIterations)", requirement: "at least 1")
        }
        return self
    }
}

/// How EM steps are combined.
public enum EMAcceleration: String, Sendable, Codable, CaseIterable {
    /// Plain ECME: one E-step and the CM-steps per iteration (``ECMEMap``).
    case none = "ECME"
    /// SQUAREM (Varadhan & Roland 2008, "Simple and globally convergent methods for accelerating
    /// the convergence of any EM algorithm", *Scand. J. Statist.* 35, scheme S3) around the ECME
    /// map, with a monotonicity safeguard.
    case squarem = "ECME+SQUAREM"
}
