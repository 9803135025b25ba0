import Foundation

/// A prior distribution for one parameter of a Bayesian model, on the parameter's own
/// (constrained) scale. Scales (σ, random-effect SDs) take the half- distributions or the
/// exponential; a correlation matrix takes `lkj`; any parameter may be `flat` (an improper
/// uniform prior, which the user then answers for).
///
/// The densities are those of Stan's Functions Reference, with their normalizing constants,
/// except `lkj`, which is evaluated up to its constant (it depends only on η and the dimension).
public enum Prior: Sendable, Equatable, CustomStringConvertible {
    case normal(mean: Double, sd: Double)
    case halfNormal(sd: Double)
    case studentT(df: Double, mean: Double, scale: Double)
    case halfStudentT(df: Double, scale: Double)
    case exponential(rate: Double)
    /// The LKJ distribution on correlation matrices, density ∝ det(Ω)^(η−1)
    /// (Lewandowski, Kurowicka & Joe 2009).
    case lkj(eta: Double)
    case flat

    /// Whether the prior lives on [0, ∞), as a scale's prior must.
    public var isForScale: Bool {
        switch self {
        case .halfNormal, .halfStudentT, .exponential, .flat: return true
        case .normal, .studentT, .lkj: return false
        }
    }

    /// Whether the prior is for a real-valued parameter such as a fixed effect.
    public var isForRealLine: Bool {
        switch self {
        case .normal, .studentT, .flat: return true
        case .halfNormal, .halfStudentT, .exponential, .lkj: return false
        }
    }

    /// log p(x) and d log p / dx for a scalar prior. For the half- distributions and the
    /// exponential, x must be ≥ 0 (the caller's transform guarantees it).
    /// `lkj` is not a scalar prior: this returns (0, 0) for it.
    public func logDensityAndDerivative(_ x: Double) -> (value: Double, derivative: Double) {
        switch self {
        case .normal(let mean, let sd):
            let z = (x - mean) / sd
            return (-0.5 * z * z - Foundation.log(sd) - Self.halfLogTwoPi, -z / sd)
        case .halfNormal(let sd):
            let z = x / sd
            return (-0.5 * z * z - Foundation.log(sd) - Self.halfLogTwoPi + Self.logTwo, -z / sd)
        case .studentT(let df, let mean, let scale):
            return Self.studentT(x - mean, df: df, scale: scale)
        case .halfStudentT(let df, let scale):
            let t = Self.studentT(x, df: df, scale: scale)
            return (t.value + Self.logTwo, t.derivative)
        case .exponential(let rate):
            return (Foundation.log(rate) - rate * x, -rate)
        case .lkj, .flat:
            return (0, 0)
        }
    }

    /// Student-t with ν degrees of freedom and scale s at deviation r = x − μ:
    /// log Γ((ν+1)/2) − log Γ(ν/2) − ½ log(νπ) − log s − (ν+1)/2 · log(1 + r²/(ν s²)).
    private static func studentT(_ r: Double, df: Double, scale: Double) -> (value: Double, derivative: Double) {
        let u = r * r / (df * scale * scale)
        let value = lgamma((df + 1) / 2) - lgamma(df / 2) - 0.5 * Foundation.log(df * Double.pi)
            - Foundation.log(scale) - (df + 1) / 2 * Foundation.log1p(u)
        return (value, -(df + 1) * r / (df * scale * scale + r * r))
    }

    private static let halfLogTwoPi = 0.5 * Foundation.log(2 * Double.pi)
    private static let logTwo = Foundation.log(2.0)

    /// The spelling users write and read: `normal(0, 2.5)`, `half-student-t(3, 14.2)`.
    public var description: String {
        func f(_ v: Double) -> String { Self.format(v) }
        switch self {
        case .normal(let mean, let sd): return "normal(\(f(mean)), \(f(sd)))"
        case .halfNormal(let sd): return "half-normal(\(f(sd)))"
        case .studentT(let df, let mean, let scale): return "student-t(\(f(df)), \(f(mean)), \(f(scale)))"
        case .halfStudentT(let df, let scale): return "half-student-t(\(f(df)), \(f(scale)))"
        case .exponential(let rate): return "exponential(\(f(rate)))"
        case .lkj(let eta): return "lkj(\(f(eta)))"
        case .flat: return "flat"
        }
    }

    /// Up to six significant digits, without trailing zeros.
    static func format(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(format: "%.6g", v)
    }
}
