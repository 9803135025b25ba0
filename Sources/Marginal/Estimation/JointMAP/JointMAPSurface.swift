/// What ``CollapseFinding``'s search needs of a joint MAP objective, whatever the model family:
/// F at a point, the globals it encodes in ``MixedModelParameterization``'s layout, where each
/// layout coordinate sits among the objective's coordinates, and the path that shrinks one
/// covariance coordinate with the standardized effects z = T⁻¹b held.
protocol JointMAPSurface {
    var layout: MixedModelParameterization { get }
    /// The layout's global coordinates (β, log σ, log SDs, correlation coordinates) at x.
    func layoutCoordinates(_ x: [Double]) -> [Double]
    /// The index in x of the layout's coordinate c (a log SD or a correlation coordinate).
    func position(ofLayoutCoordinate c: Int) -> Int
    /// F at x; −∞ where it cannot be evaluated.
    mutating func value(at x: [Double]) -> Double
    /// x with coordinate `coordinate` (an index in x) moved by `step`, every level's z held.
    func moved(_ x: [Double], coordinate: Int, by step: Double) -> [Double]
}

extension JointMAPObjective: JointMAPSurface {
    func layoutCoordinates(_ x: [Double]) -> [Double] { densityCoordinates(x) }
    func position(ofLayoutCoordinate c: Int) -> Int { c }
}
