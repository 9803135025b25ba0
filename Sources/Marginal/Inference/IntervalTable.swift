import Foundation

/// Confidence intervals as lme4's `confint` prints them, from the profile of a deviance
/// (``LinearMixedModel/profileIntervals(_:level:)``,
/// ``GeneralizedLinearMixedModel/profileIntervals(_:level:)``) or Wald's normal approximation
/// (``WaldIntervals``): one row per parameter, named as ``ParameterNames`` names them.
public struct IntervalTable: Codable, Sendable {
    public var level: Double
    /// How the intervals were computed, in words: "profile of the ML deviance, as lme4's confint".
    public var method: String
    public var intervals: [BootstrapIntervals.Interval]
    public var notes: [String]

    /// The intervals as lme4's `confint` prints them, under a heading naming the method.
    public func text() -> String {
        let percent = { (p: Double) in String(format: "%g %%", 100 * p) }
        let table = TextTable(
            header: ["", percent((1 - level) / 2), percent((1 + level) / 2)],
            rows: intervals.map { [$0.name, NumberFormat.significant($0.lower, 5), NumberFormat.significant($0.upper, 5)] })
        return (["Confidence intervals (\(method)):", table.render()] + notes).joined(separator: "\n")
    }
}
