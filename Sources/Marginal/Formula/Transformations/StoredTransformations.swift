/// Everything a design learned from its training data that a formula's variables depend on,
/// so that the same variables can be computed on new data (R's "safe prediction"; the
/// `predvars` attribute of a model frame's terms): orthogonal-polynomial coefficients, spline
/// knots, the centre and scale of `scale(x)`, and the levels of each factor.
///
/// Each entry is keyed by the variable's label as it appears in the formula (`poly(Days, 2)`,
/// `scale(x)`, `Machine`, `factor(Days)`). ``DesignOptions/transformations`` given a stored
/// value makes a design use it instead of learning it again.
public struct StoredTransformations: Codable, Sendable, Equatable {
    public var polynomials: [String: OrthogonalPolynomial] = [:]
    public var splines: [String: SplineBasis] = [:]
    public var scalings: [String: Scaling] = [:]
    /// The levels of the factors of the fixed part and of the random-effect columns, in order.
    public var factorLevels: [String: [String]] = [:]

    public init() {}
}

/// R's `scale(x)`: (x − centre) / scale with the mean and the standard deviation (divisor n − 1)
/// of the training values (its `scaled:center` and `scaled:scale` attributes).
public struct Scaling: Codable, Sendable, Equatable {
    public var center: Double
    public var scale: Double

    public init(fitting x: [Double]) {
        let n = Double(x.count)
        center = x.reduce(0, +) / n
        let c = center
        scale = (x.reduce(0) { $0 + ($1 - c) * ($1 - c) } / max(n - 1, 1)).squareRoot()
    }

    public func apply(_ x: [Double]) -> [Double] { x.map { ($0 - center) / scale } }
}
