import Foundation

/// A random-effect covariance that joint MAP drove toward degeneracy (an SD toward 0, or a
/// correlation toward ±1) while the objective kept rising: the sign that the joint objective has
/// no maximum there (DESIGN §1). Found by ``JointMAPSurface/collapses(start:end:held:)``.
public struct CollapseFinding: Sendable, Codable, Equatable {
    /// `sd[group][column]` or `cor[group][a,b]`.
    public var parameter: String
    /// The parameter at the start and at the end of the optimization.
    public var start: Double
    public var end: Double
    /// F at the end point and at up to ten further points along the degenerating path, each halving
    /// the covariance factor's diagonal entry once more (strictly increasing: the objective keeps
    /// rising).
    public var path: [Double]

    /// The warning a user reads.
    public var warning: String {
        let rise = (path.last ?? 0) - (path.first ?? 0)
        let movement = parameter.hasPrefix("cor[")
            ? "went from \(Self.format(start)) to \(Self.format(end)) (toward ±1, a degenerate covariance)"
            : "fell from \(Self.format(start)) to \(Self.format(end))"
        let rising = path.count > 1
            ? "the objective keeps rising that way (by \(Self.format(rise)) over \(path.count - 1) more halvings)"
            : "it reached ±1 to machine precision"
        return "joint MAP has no maximum here: \(parameter) \(movement) and \(rising); "
            + "the variance estimate is an artifact of where the optimizer stopped. "
            + "Integrate the random effects out instead (ML/REML, EM, NUTS)"
    }

    static func format(_ value: Double) -> String { String(format: "%.3g", value) }
}

extension JointMAPSurface {
    /// The covariance parameters that collapsed between `start` and `end` (points in this form's
    /// coordinates; `held` indexes them). Two kinds of coordinate can make a block's factor T degenerate: each log SD
    /// (T_aa = sd_a L_aa shrinks with sd_a) and, for a correlated part, the largest-magnitude
    /// correlation coordinate y of each row a ≥ 1 (L_aa ≈ 2e^{−|y|} shrinks as |y| grows, the
    /// correlations going to ±1). A coordinate not held fixed collapsed when sd_a or L_aa ended
    /// below a tenth of its start and F rises at each of up to ten further steps that halve it
    /// (fewer for a correlation near the end of floating point), holding the standardized
    /// effects z = T⁻¹b. Along that path the effects' prior gains ℓ log 2 per step while the
    /// likelihood stays bounded (b = T z stays bounded), so F is unbounded; rising all along means
    /// the optimizer was following it. At an interior local maximum the first step lowers F.
    mutating func collapses(start: [Double], end: [Double], held: Set<Int>) -> [CollapseFinding] {
        var findings: [CollapseFinding] = []
        let names = layout.parameterNames
        let (startLayout, endLayout) = (layoutCoordinates(start), layoutCoordinates(end))
        let startValues = layout.reportedValues(startLayout)
        let endValues = layout.reportedValues(endLayout)
        var startGlobals = layout.makeGlobals(), endGlobals = layout.makeGlobals()
        layout.decode(startLayout, into: &startGlobals)
        layout.decode(endLayout, into: &endGlobals)
        for block in layout.blocks {
            for part in block.parts {
                let m = part.dimension
                // Each candidate's layout coordinate (names, values) and its index in x.
                var candidates: [(name: Int, coordinate: Int, step: Double, steps: Int, ratio: Double)] = []
                for a in 0..<part.sdCoordinateCount {
                    let coordinate = part.sdCoordinate + a
                    candidates.append((coordinate, position(ofLayoutCoordinate: coordinate), -log(2), 10,
                                       exp(endLayout[coordinate] - startLayout[coordinate])))
                }
                if part.hasCorrelation {
                    var first = part.correlationCoordinate
                    for i in 1..<m {
                        let row = Array(first..<(first + i))
                        first += i
                        guard let coordinate = row.max(by: { abs(endLayout[$0]) < abs(endLayout[$1]) }) else { continue }
                        let c = part.correlationIndex
                        let ratio = endGlobals.correlationFactors[c][i + i * m] / startGlobals.correlationFactors[c][i + i * m]
                        // tanh rounds to ±1 beyond |y| ≈ 18.4: the path stops short of that.
                        let steps = min(10, max(0, Int((Self.largestCorrelationCoordinate - abs(endLayout[coordinate])) / log(2))))
                        candidates.append((coordinate, position(ofLayoutCoordinate: coordinate),
                                           endLayout[coordinate] >= 0 ? log(2) : -log(2), steps, ratio))
                    }
                }
                for candidate in candidates where !held.contains(candidate.coordinate) && candidate.ratio < 0.1 {
                    var path = [value(at: end)]
                    var point = end
                    for _ in 0..<candidate.steps {
                        point = moved(point, coordinate: candidate.coordinate, by: candidate.step)
                        path.append(value(at: point))
                    }
                    // A correlation already at ±1 in floating point (no step left) has collapsed.
                    guard zip(path, path.dropFirst()).allSatisfy({ $1 > $0 }), path.count > 1 || candidate.ratio < 1e-6 else { continue }
                    findings.append(CollapseFinding(
                        parameter: names[candidate.name], start: startValues[candidate.name],
                        end: endValues[candidate.name], path: path))
                }
            }
        }
        return findings
    }

    /// |y| beyond which the correlation transform's tanh is ±1 in floating point, less a margin.
    static var largestCorrelationCoordinate: Double { 18 }
}

extension JointMAPObjective {
    /// x with one global coordinate moved by `step`, the standardized effects z = T⁻¹b of every
    /// level held (in the non-centered form they are coordinates; otherwise b is recomputed as
    /// T′z from the new factor T′).
    func moved(_ x: [Double], coordinate: Int, by step: Double) -> [Double] {
        var point = densityCoordinates(x)
        var before = layout.makeGlobals()
        layout.decode(point, into: &before)
        point[coordinate] += step
        if parameterization != .nonCentered {
            var after = layout.makeGlobals()
            layout.decode(point, into: &after)
            for k in offsets.indices {
                let s = dimensions[k]
                for level in 0..<levelCounts[k] {
                    let start = offsets[k] + level * s
                    // z = T⁻¹ b, then b′ = T′ z.
                    var z = Array(point[start..<(start + s)])
                    for a in 0..<s {
                        var sum = z[a]
                        for c in 0..<a { sum -= before.factors[k][a + c * s] * z[c] }
                        z[a] = sum / before.factors[k][a + a * s]
                    }
                    for a in 0..<s {
                        var sum = 0.0
                        for c in 0...a { sum += after.factors[k][a + c * s] * z[c] }
                        point[start + a] = sum
                    }
                }
            }
        }
        if parameterization == .hierarchical { centering.addMeans(to: &point, offsets: offsets, dimensions: dimensions) }
        return point
    }
}
