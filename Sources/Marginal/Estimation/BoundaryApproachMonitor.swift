import Foundation

/// Watches EM's steps for the signature of slow convergence toward a singular fit: a diagonal
/// element θᵢ of λ (a relative standard deviation) that keeps shrinking toward 0 while the
/// objective gains almost nothing.
///
/// Near a variance at zero EM's rate of convergence goes to 1: the fraction of missing
/// information about the variance tends to 1 as the variance tends to 0 (Dempster, Laird & Rubin
/// 1977, §3; Meng & van Dyk 1997, *JRSS B* 59(3), §1). For one scalar term the ECME map gives
/// θ′/θ = √T with T = 1 − cθ² + O(θ⁴) when the optimum is at 0, so θ shrinks by a factor ever
/// closer to 1 (θₜ ~ t^{−1/2}) and a tolerance on the objective, which moves only by O(θ⁴) per
/// step, is met (or the iteration limit hit) long before θᵢ is near 0.
///
/// The monitor looks at three successive plain EM iterates θ⁰ → θ¹ → θ² (consecutive steps in
/// plain ECME, the two plain steps of a cycle in SQUAREM). With steps δ₁ = θ¹ − θ⁰ and
/// δ₂ = θ² − θ¹ both negative and ρ = δ₂/δ₁, a geometric extrapolation predicts a further decrease
/// of |δ₂| ρ/(1 − ρ) (unbounded for ρ ≥ 1). At an interior limit θ* > 0 this becomes negligible
/// next to θᵢ; on the way to a boundary it stays a fixed fraction of θᵢ (about 1/3 for
/// θₜ ~ t^{−1/2}). An element is reported when that predicted fraction is at least
/// ``remainingFraction`` in each of the last ``window`` resolvable triples (steps whose
/// difference is at rounding level count as ρ = 1) and θᵢ is below
/// ``smallTheta`` (a random-effect SD under a tenth of the residual SD).
struct BoundaryApproachMonitor {
    static let window = 3
    static let remainingFraction = 0.1
    static let smallTheta = 0.1

    let bounded: [Int]
    /// The last plain step (its end point and its change), to chain the next one to.
    private var lastEnd: [Double]?
    private var lastChange: [Double] = []
    /// Per bounded element, whether each recent triple showed the signature (most recent last),
    /// and the last ratio θ²/θ¹.
    private var signatures: [[Bool]]
    private var shrinkFactors: [Double]

    /// - Parameter lowerBounds: θ's lower bounds; elements with bound 0 are watched.
    init(lowerBounds: [Double]) {
        bounded = lowerBounds.indices.filter { lowerBounds[$0] == 0 }
        signatures = bounded.map { _ in [] }
        shrinkFactors = bounded.map { _ in 1 }
    }

    /// Records one plain EM step θ → F(θ).
    mutating func observe(from theta: [Double], to next: [Double]) {
        let change = zip(next, theta).map { $0 - $1 }
        defer {
            lastEnd = next
            lastChange = change
        }
        guard let lastEnd, lastEnd == theta else { return }
        for (slot, i) in bounded.enumerated() {
            let d1 = lastChange[i], d2 = change[i]
            // Steps below rounding say nothing.
            guard abs(d1) > 1e-12 * theta[i], abs(d2) > 1e-12 * theta[i] else { continue }
            var shows = false
            if d1 < 0, d2 < 0, next[i] > 0 {
                // Steps that do not measurably shrink (their difference is at rounding level of
                // θ) count as ρ = 1.
                let rho = abs(d2 - d1) > 1e-12 * theta[i] ? d2 / d1 : 1
                let remaining = rho < 1 ? -d2 * rho / (1 - rho) : .infinity
                shows = remaining >= Self.remainingFraction * next[i]
            }
            signatures[slot].append(shows)
            if signatures[slot].count > Self.window { signatures[slot].removeFirst() }
            shrinkFactors[slot] = next[i] / theta[i]
        }
    }

    /// A diagonal element heading to 0 slowly.
    struct Finding: Sendable {
        var index: Int
        /// θ′/θ in the last plain step.
        var shrinkFactor: Double
        var theta: Double
    }

    /// The elements of `theta` (the iterate where EM stopped, before any snapping to 0) that
    /// show the signature.
    func findings(theta: [Double]) -> [Finding] {
        bounded.enumerated().compactMap { slot, i in
            let recent = signatures[slot]
            guard recent.count == Self.window, recent.allSatisfy({ $0 }), theta[i] < Self.smallTheta else { return nil }
            return Finding(index: i, shrinkFactor: shrinkFactors[slot], theta: theta[i])
        }
    }

    /// The warning for the findings, naming θ elements by `names`; `gain` is the objective's
    /// decrease in the last iteration.
    static func warning(_ findings: [Finding], names: [String], gain: Double) -> String? {
        guard !findings.isEmpty else { return nil }
        let parts = findings.map { finding in
            "the relative SD \(names[finding.index]) is shrinking toward 0 by a factor of only "
                + "\(factor(finding.shrinkFactor)) per EM step (it was \(formatted(finding.theta, digits: 3)) when EM stopped)"
        }
        return "EM converges slowly toward a singular fit: " + parts.joined(separator: "; ")
            + (gain > 0 ? ", while the objective gained only \(formatted(gain, digits: 3)) in the last iteration. "
                : ", while the objective no longer improves measurably. ")
            + "EM approaches a zero variance ever more slowly (its rate of convergence tends to 1 there); "
            + "read that variance as zero, not as the small positive value where EM stopped"
    }

    /// A factor near 1 as "1 − 2.5e-09", others with four digits.
    private static func factor(_ x: Double) -> String {
        x > 0.999 && x < 1 ? "1 − \(formatted(1 - x, digits: 2))" : formatted(x, digits: 4)
    }

    private static func formatted(_ x: Double, digits: Int) -> String {
        String(format: "%.\(digits)g", x)
    }
}
