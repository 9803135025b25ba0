import CNLopt

/// The NLopt plumbing shared by the minimizers: create an optimizer for an algorithm, set bounds,
/// stopping rules and initial steps, bridge a Swift closure to NLopt's C callback, run, and name
/// the return code (Johnson, "The NLopt nonlinear-optimization package", https://github.com/stevengj/nlopt).
struct NLoptMinimization {
    /// The objective: value only (derivative-free algorithms) or value and gradient, where the
    /// closure writes ∂f/∂x into its second argument (which has the dimension of x).
    enum Objective {
        case value(([Double]) -> Double)
        case valueAndGradient(([Double], inout [Double]) -> Double)
    }

    var algorithm: nlopt_algorithm
    /// The algorithm's name in messages, e.g. "BOBYQA".
    var name: String
    var lowerBounds: [Double]?
    var upperBounds: [Double]?
    var absoluteObjectiveTolerance = 0.0
    var relativeObjectiveTolerance = 0.0
    var absoluteParameterTolerance = 0.0
    var relativeParameterTolerance = 0.0
    var maximumEvaluations = 0
    var initialSteps: [Double]?
    /// For L-BFGS: the number of stored correction pairs (0 keeps NLopt's default).
    var vectorStorage = 0

    /// Minimizes from `start`, moved inside the bounds if needed.
    func minimize(start: [Double], objective: Objective) -> MinimizationResult {
        let n = start.count
        for (label, vector) in [("lower bounds", lowerBounds), ("upper bounds", upperBounds), ("initial steps", initialSteps)] {
            if let vector, vector.count != n {
                return MinimizationResult(
                    minimizer: start, minimum: .nan, evaluations: 0,
                    message: "INVALID_ARGS: \(vector.count) \(label) for \(n) parameters", converged: false)
            }
        }
        guard let opt = nlopt_create(algorithm, UInt32(n)) else {
            return MinimizationResult(minimizer: start, minimum: .nan, evaluations: 0, message: "NLopt could not create \(name)", converged: false)
        }
        defer { nlopt_destroy(opt) }
        if let lowerBounds { nlopt_set_lower_bounds(opt, lowerBounds) }
        if let upperBounds { nlopt_set_upper_bounds(opt, upperBounds) }
        nlopt_set_ftol_abs(opt, absoluteObjectiveTolerance)
        nlopt_set_ftol_rel(opt, relativeObjectiveTolerance)
        nlopt_set_xtol_abs1(opt, absoluteParameterTolerance)
        nlopt_set_xtol_rel(opt, relativeParameterTolerance)
        nlopt_set_maxeval(opt, Int32(clamping: maximumEvaluations))
        if let initialSteps { nlopt_set_initial_step(opt, initialSteps) }
        if vectorStorage > 0 { nlopt_set_vector_storage(opt, UInt32(vectorStorage)) }
        let box = ObjectiveBox(objective, dimension: n)
        let unmanaged = Unmanaged.passRetained(box)
        defer { unmanaged.release() }
        nlopt_set_min_objective(opt, { count, x, gradient, data in
            guard let data, let x else { return .nan }
            let box = Unmanaged<ObjectiveBox>.fromOpaque(data).takeUnretainedValue()
            return box.evaluate(UnsafeBufferPointer(start: x, count: Int(count)), gradient: gradient)
        }, unmanaged.toOpaque())

        var x = start
        for i in x.indices {
            if let lowerBounds { x[i] = Swift.max(x[i], lowerBounds[i]) }
            if let upperBounds { x[i] = Swift.min(x[i], upperBounds[i]) }
        }
        var minimum = 0.0
        let code = nlopt_optimize(opt, &x, &minimum)
        let converged = code == NLOPT_SUCCESS || code == NLOPT_FTOL_REACHED || code == NLOPT_XTOL_REACHED
            || code == NLOPT_STOPVAL_REACHED
        return MinimizationResult(
            minimizer: x, minimum: minimum, evaluations: box.evaluations, message: Self.name(of: code), converged: converged)
    }

    static func name(of code: nlopt_result) -> String {
        switch code {
        case NLOPT_SUCCESS: "SUCCESS"
        case NLOPT_STOPVAL_REACHED: "STOPVAL_REACHED"
        case NLOPT_FTOL_REACHED: "FTOL_REACHED"
        case NLOPT_XTOL_REACHED: "XTOL_REACHED"
        case NLOPT_MAXEVAL_REACHED: "MAXEVAL_REACHED"
        case NLOPT_MAXTIME_REACHED: "MAXTIME_REACHED"
        case NLOPT_FAILURE: "FAILURE"
        case NLOPT_INVALID_ARGS: "INVALID_ARGS"
        case NLOPT_OUT_OF_MEMORY: "OUT_OF_MEMORY"
        case NLOPT_ROUNDOFF_LIMITED: "ROUNDOFF_LIMITED"
        case NLOPT_FORCED_STOP: "FORCED_STOP"
        default: "NLOPT_CODE_\(code.rawValue)"
        }
    }
}

/// Holds the Swift closure behind NLopt's C callback, with reusable point and gradient buffers,
/// and counts evaluations.
private final class ObjectiveBox {
    let objective: NLoptMinimization.Objective
    var evaluations = 0
    var point: [Double]
    var gradient: [Double]

    init(_ objective: NLoptMinimization.Objective, dimension: Int) {
        self.objective = objective
        point = [Double](repeating: 0, count: dimension)
        gradient = [Double](repeating: 0, count: dimension)
    }

    func evaluate(_ x: UnsafeBufferPointer<Double>, gradient out: UnsafeMutablePointer<Double>?) -> Double {
        evaluations += 1
        for i in 0..<x.count { point[i] = x[i] }
        switch objective {
        case .value(let f):
            return f(point)
        case .valueAndGradient(let f):
            let value = f(point, &gradient)
            if let out { for i in 0..<gradient.count { out[i] = gradient[i] } }
            return value
        }
    }
}
