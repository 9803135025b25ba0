/// Minimization with ``Adam`` from a start, either for a fixed budget of iterations (the usual
/// practice with stochastic gradients, and what a comparison of parameterizations needs) or until
/// a convergence rule holds.
public struct AdamMinimizer: Sendable {
    /// When to stop.
    public enum Stopping: Sendable, Equatable {
        /// Exactly this many updates.
        case budget(iterations: Int)
        /// Stop when the largest gradient component is at most `gradientTolerance`, or when the
        /// objective has not improved by more than `relativeTolerance · max(1, |f|)` over the last
        /// `window` iterations; at most `maximumIterations` updates.
        case convergence(gradientTolerance: Double, relativeTolerance: Double, window: Int, maximumIterations: Int)
    }

    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    public var stopping: Stopping

    public init(
        learningRate: Double = 0.001, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
        stopping: Stopping = .convergence(gradientTolerance: 1e-8, relativeTolerance: 1e-12, window: 100, maximumIterations: 100_000)
    ) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.stopping = stopping
    }

    /// The outcome of an Adam run.
    public struct Result: Sendable {
        /// The best point seen (lowest objective), and its objective.
        public var minimizer: [Double]
        public var minimum: Double
        /// The last iterate and its objective.
        public var last: [Double]
        public var lastValue: Double
        public var iterations: Int
        /// The objective at the start and after each update.
        public var trace: [Double]
        /// True when the convergence rule held (always false for a fixed budget).
        public var converged: Bool
    }

    /// Minimizes `objective`, which returns f(x) and writes ∇f(x) into its second argument.
    /// The iterate, the gradient and Adam's moments are allocated once.
    public func minimize(
        start: [Double], objective: (_ x: [Double], _ gradient: inout [Double]) -> Double
    ) throws(EstimationError) -> Result {
        try validate()
        var adam = Adam(dimension: start.count, learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon)
        var x = start
        var gradient = [Double](repeating: 0, count: start.count)
        var value = objective(x, &gradient)
        var best = (x: x, value: value)
        var trace = [value]
        let limit: Int
        switch stopping {
        case .budget(let iterations): limit = iterations
        case .convergence(_, _, _, let maximumIterations): limit = maximumIterations
        }
        var converged = false
        var iterations = 0
        while iterations < limit {
            if case .convergence(let gradientTolerance, let relativeTolerance, let window, _) = stopping {
                let largest = gradient.reduce(0) { max($0, abs($1)) }
                if largest <= gradientTolerance {
                    converged = true
                    break
                }
                if trace.count > window {
                    let earlier = trace[trace.count - 1 - window]
                    if earlier - value <= relativeTolerance * max(1, abs(value)) {
                        converged = true
                        break
                    }
                }
            }
            adam.update(&x, gradient: gradient)
            value = objective(x, &gradient)
            iterations += 1
            trace.append(value)
            if value < best.value { best = (x, value) }
        }
        return Result(
            minimizer: best.x, minimum: best.value, last: x, lastValue: value,
            iterations: iterations, trace: trace, converged: converged)
    }

    private func validate() throws(EstimationError) {
        guard learningRate.isFinite, learningRate > 0 else {
            throw .invalidOption(name: "learningRate", value: "\(learningRate)", requirement: "a positive finite number")
        }
        guard beta1 >= 0, beta1 < 1, beta2 >= 0, beta2 < 1 else {
            throw .invalidOption(name: "beta1, beta2", value: "\(beta1), \(beta2)", requirement: "in [0, 1)")
        }
        guard epsilon.isFinite, epsilon >= 0 else {
            throw .invalidOption(name: "epsilon", value: "\(epsilon)", requirement: "a non-negative finite number")
        }
        switch stopping {
        case .budget(let iterations):
            guard iterations >= 0 else {
                throw .invalidOption(name: "budget", value: "\(iterations)", requirement: "a non-negative number of iterations")
            }
        case .convergence(let gradientTolerance, let relativeTolerance, let window, let maximumIterations):
            guard gradientTolerance >= 0, relativeTolerance >= 0, window >= 1, maximumIterations >= 0 else {
                throw .invalidOption(
                    name: "convergence rule", value: "\(gradientTolerance), \(relativeTolerance), \(window), \(maximumIterations)",
                    requirement: "non-negative tolerances, a window of at least 1 and a non-negative iteration limit")
            }
        }
    }
}
