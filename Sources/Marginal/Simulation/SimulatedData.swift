/// A simulated data set with the values that generated it, for checking estimates.
public struct SimulatedData: Sendable, Equatable {
    /// The data, one row per observation.
    public var frame: DataFrame
    /// Fixed effects by coefficient name as R names them (e.g. "(Intercept)", "service1").
    public var fixedEffects: [String: Double]
    /// The drawn random effects by grouping factor, one per level in level order.
    public var randomEffects: [String: [Double]]
    /// Standard deviations of the random effects by grouping factor, and "residual".
    public var standardDeviations: [String: Double]

    public init(
        frame: DataFrame,
        fixedEffects: [String: Double],
        randomEffects: [String: [Double]],
        standardDeviations: [String: Double]
    ) {
        self.frame = frame
        self.fixedEffects = fixedEffects
        self.randomEffects = randomEffects
        self.standardDeviations = standardDeviations
    }
}
