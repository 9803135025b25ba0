/// A small random-intercept design for `y ~ 1 + x1 + x2 + (1 | g)`:
///
///     y = β₀ + β₁·x1 + β₂·x2 + u_g + ε,   x1, x2 ~ N(0, 1),  u_g ~ N(0, σ_g²),  ε ~ N(0, σ²),
///
/// with 20,000 rows in 1,000 groups by default (the NUTS benchmark's data). Group sizes follow
/// ``skewedLevelSizes(total:levels:spread:random:)``: balanced by default (`groupSpread` = 0),
/// every group used at least once; rows are ordered by group. As in ``InstEvalSimulation``,
/// separate streams of one seed drive the design (sizes and covariates), the group effects and
/// the residuals.
public struct GroupedSimulation: Sendable, Equatable {
    public var rows: Int = 20_000
    public var groups: Int = 1_000
    public var seed: UInt64 = 1
    public var intercept: Double = 1.0
    public var slope1: Double = 0.5
    public var slope2: Double = -0.25
    public var groupSD: Double = 0.8
    public var residualSD: Double = 1.0
    /// Lognormal spread of rows per group; 0 = balanced.
    public var groupSpread: Double = 0

    public init(seed: UInt64 = 1) {
        self.seed = seed
    }

    /// Checks the options: counts ≥ 1, groups ≤ rows, scales finite and ≥ 0, the spread in [0, 10].
    public func validate() throws(SimulationError) {
        try SimulationCheck.count("rows", rows, atLeast: 1)
        try SimulationCheck.count("groups", groups, atLeast: 1)
        try SimulationCheck.rowLimit(rows)
        try SimulationCheck.levels("groups", groups, atMost: rows, "rows")
        try SimulationCheck.finite("intercept", intercept)
        try SimulationCheck.finite("slope of x1", slope1)
        try SimulationCheck.finite("slope of x2", slope2)
        try SimulationCheck.scale("group SD", groupSD)
        try SimulationCheck.scale("residual SD", residualSD)
        try SimulationCheck.spread("group spread", groupSpread)
    }

    /// Draws the data set: columns `y`, `x1`, `x2` (numeric) and `g` (categorical, labels
    /// "1", "2", … in numeric order).
    public func generate() throws(SimulationError) -> SimulatedData {
        try validate()
        let streams = RandomSource.streams(seed: seed, count: 3)
        var design = streams[0]
        var effects = streams[1]
        var noise = streams[2]

        let sizes = skewedLevelSizes(total: rows, levels: groups, spread: groupSpread, random: &design)
        let groupCodes = levelCodes(sizes: sizes)
        let x1 = (0..<rows).map { _ in design.normal() }
        let x2 = (0..<rows).map { _ in design.normal() }
        let groupEffects = (0..<groups).map { _ in groupSD * effects.normal() }
        var y = [Double](repeating: 0, count: rows)
        for row in 0..<rows {
            y[row] = intercept + slope1 * x1[row] + slope2 * x2[row]
                + groupEffects[Int(groupCodes[row])] + residualSD * noise.normal()
        }
        let frame = try SimulationCheck.frame([
            ("y", .numeric(NumericColumn(y))),
            ("x1", .numeric(NumericColumn(x1))),
            ("x2", .numeric(NumericColumn(x2))),
            ("g", .categorical(CategoricalColumn(codes: groupCodes, levels: numberedLabels(groups)))),
        ])
        return SimulatedData(
            frame: frame,
            fixedEffects: ["(Intercept)": intercept, "x1": slope1, "x2": slope2],
            randomEffects: ["g": groupEffects],
            standardDeviations: ["g": groupSD, "residual": residualSD]
        )
    }
}
