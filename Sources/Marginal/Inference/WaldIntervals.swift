import Foundation

extension IntervalTable {
    /// Wald intervals β̂ⱼ ± z_{(1+level)/2} SE(β̂ⱼ) for the fixed effects, as lme4's
    /// `confint(fit, method = "Wald")`, which leaves the variance parameters NA: their estimates'
    /// distribution is far from normal near a boundary, so the profile or the bootstrap is the
    /// interval to use for them (the note says so).
    public static func wald(_ fixedEffects: [FixedEffectEstimate], level: Double) -> IntervalTable {
        let z = NormalQuantile.value(0.5 + level / 2)
        let intervals = fixedEffects.map { effect in
            BootstrapIntervals.Interval(
                name: "b[\(effect.name)]", estimate: effect.estimate,
                lower: effect.estimate - z * effect.standardError, upper: effect.estimate + z * effect.standardError)
        }
        return IntervalTable(
            level: level, method: "Wald, as lme4's confint(method = \"Wald\")", intervals: intervals,
            notes: ["Wald intervals are for the fixed effects only; --confint profile or boot gives the variance components'"])
    }
}
