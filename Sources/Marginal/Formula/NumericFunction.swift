import Foundation

/// The functions a formula may apply to numeric columns, elementwise.
///
/// `I(expr)` is R's "as is": inside it `+ - * / ^` are arithmetic, not term operators.
/// The others are the usual transformations; they also read their argument as arithmetic,
/// so `log(x + 1)` is the logarithm of x + 1, as in R.
public enum NumericFunction: String, CaseIterable, Sendable {
    case asIs = "I"
    case log
    case exp
    case sqrt
    case log2
    case log10
    case abs
    /// log(1 + x), accurate for small x.
    case log1p
    /// R's `as.numeric` of a numeric column: the values as they are.
    case asNumeric = "as.numeric"

    /// The function applied to one value; nil when the value is outside its domain
    /// (log of a non-positive number, square root of a negative one).
    func apply(_ x: Double) -> Double? {
        switch self {
        case .asIs, .asNumeric: return x
        case .log1p: return x > -1 ? Foundation.log1p(x) : (x.isNaN ? x : nil)
        case .log: return x > 0 ? Foundation.log(x) : (x.isNaN ? x : nil)
        case .log2: return x > 0 ? Foundation.log2(x) : (x.isNaN ? x : nil)
        case .log10: return x > 0 ? Foundation.log10(x) : (x.isNaN ? x : nil)
        case .exp: return Foundation.exp(x)
        case .sqrt: return x >= 0 ? x.squareRoot() : (x.isNaN ? x : nil)
        case .abs: return Swift.abs(x)
        }
    }
}
