import CNLopt

/// Derivative-free minimization under lower bounds with NLopt's BOBYQA (Powell 2009, "The BOBYQA
/// algorithm for bound constrained optimization without derivatives"), the optimizer lme4's
/// `nloptwrap` and MixedModels.jl use for the profiled deviance.
///
/// Stopping rules: absolute tolerance 1e-8 on the parameters, as lme4's `nloptwrap`; on the
/// objective a relative tolerance of 1e-13 instead of lme4's absolute 1e-8. The deviance grows
/// with n, so an absolute tolerance is loose for small data (lme4 stops short of the optimum on
/// flat ridges, e.g. Orthodont with correlated slopes) and below rounding for large data;
/// 1e-13 relative is a few hundred units of rounding in the objective. At most 100,000
/// evaluations.
public struct BoundedMinimizer: Sendable {
    public var lowerBounds: [Double]
    public var initialSteps: [Double]?
    public var absoluteObjectiveTolerance = 0.0
    public var relativeObjectiveTolerance = 1e-13
    public var absoluteParameterTolerance = 1e-8
    public var maximumEvaluations = 100_000

    public init(lowerBounds: [Double], initialSteps: [Double]? = nil) {
        self.lowerBounds = lowerBounds
        self.initialSteps = initialSteps
    }

    /// The outcome of a minimization.
    public struct Result: Sendable {
        public var minimizer: [Double]
        public var minimum: Double
        public var evaluations: Int
        /// NLopt's return code name, e.g. `FTOL_REACHED`.
        public var message: String
        /// True when NLopt stopped by one of its tolerances (not by an error or the budget).
        public var converged: Bool
    }

    /// Minimizes `objective` from `start`, which is moved inside the bounds if needed.
    public func minimize(start: [Double], objective: @escaping ([Double]) -> Double) -> Result {
        let n = start.count
        let box = ObjectiveBox(objective, dimension: n)
        guard let opt = nlopt_create(NLOPT_LN_BOBYQA, UInt32(n)) else {
            return Result(minimizer: start, minimum: .nan, evaluations: 0, message: "NLopt could not create BOBYQA", converged: false)
        }
        defer { nlopt_destroy(opt) }
        nlopt_set_lower_bounds(opt, lowerBounds)
        nlopt_set_ftol_abs(opt, absoluteObjectiveTolerance)
        nlopt_set_ftol_rel(opt, relativeObjectiveTolerance)
        nlopt_set_xtol_abs1(opt, absoluteParameterTolerance)
        nlopt_set_maxeval(opt, Int32(maximumEvaluations))
        if let initialSteps { nlopt_set_initial_step(opt, initialSteps) }
        let unmanaged = Unmanaged.passRetained(box)
        defer { unmanaged.release() }
        nlopt_set_min_objective(opt, { count, x, _, data in
            guard let data, let x else { return .nan }
            let box = Unmanaged<ObjectiveBox>.fromOpaque(data).takeUnretainedValue()
            return box.evaluate(UnsafeBufferPointer(start: x, count: Int(count)))
        }, unmanaged.toOpaque())

        var x = zip(start, lowerBounds).map { Swift.max($0, $1) }
        var minimum = 0.0
        let code = nlopt_optimize(opt, &x, &minimum)
        let converged = code == NLOPT_SUCCESS || code == NLOPT_FTOL_REACHED || code == NLOPT_XTOL_REACHED
            || code == NLOPT_STOPVAL_REACHED
        return Result(
            minimizer: x, minimum: minimum, evaluations: box.evaluations,
            message: Self.name(of: code), converged: converged)
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

/// Holds the Swift closure behind NLopt's C callback and counts evaluations.
private final class ObjectiveBox {
    let objective: ([Double]) -> Double
    var evaluations = 0
    var point: [Double]

    init(_ objective: @escaping ([Double]) -> Double, dimension: Int) {
        self.objective = objective
        self.point = [Double](repeating: 0, count: dimension)
    }

    func evaluate(_ x: UnsafeBufferPointer<Double>) -> Double {
        evaluations += 1
        for i in 0..<x.count { point[i] = x[i] }
        return objective(point)
    }
}
