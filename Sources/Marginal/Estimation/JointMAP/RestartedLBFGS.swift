/// L-BFGS for a joint MAP objective, restarted from where it stopped until a run no longer
/// improves F (relative 10⁻¹²) or the evaluations run out. L-BFGS's curvature model goes stale
/// in the funnel of the centred forms (curvature in b of order 1/SD²) and along the ridges of the
/// non-centred ones, so one run often stops short.
struct RestartedLBFGS {
    /// The end point, the objective's best values as they improved, and how the search stopped.
    struct Outcome {
        var point: [Double]
        /// F at each evaluation that improved on the best so far.
        var trace: [Double]
        var evaluations: Int
        /// A run met NLopt's tolerances (or hit rounding) and a fresh run from its end found
        /// nothing better.
        var converged: Bool
        /// NLopt's message of the last run.
        var message: String
    }

    var lowerBounds: [Double]
    var upperBounds: [Double]
    var maximumEvaluations: Int
    /// At most this many runs.
    var restarts = 50

    /// Minimizes `negative` (−F with −∇F into its second argument) from `start`.
    func minimize(start: [Double], negative: @escaping ([Double], inout [Double]) -> Double) -> Outcome {
        var minimizer = LBFGSMinimizer(lowerBounds: lowerBounds, upperBounds: upperBounds)
        var best = -Double.infinity
        var trace: [Double] = []
        var point = start
        var evaluations = 0
        var lastMessage = ""
        var converged = false
        var previousConverged = false
        for _ in 0..<restarts where evaluations < maximumEvaluations {
            minimizer.maximumEvaluations = maximumEvaluations - evaluations
            let before = best
            let result = minimizer.minimize(start: point) { v, g in
                let value = negative(v, &g)
                if -value > best {
                    best = -value
                    trace.append(best)
                }
                return value
            }
            evaluations += result.evaluations
            lastMessage = result.message
            if -result.minimum >= before || before == -.infinity { point = result.minimizer }
            if before > -.infinity, best - before <= 1e-12 * max(1, abs(best)) {
                converged = previousConverged || result.converged || result.message == "ROUNDOFF_LIMITED"
                break
            }
            previousConverged = result.converged || result.message == "ROUNDOFF_LIMITED"
        }
        return Outcome(point: point, trace: trace, evaluations: evaluations, converged: converged, message: lastMessage)
    }
}
