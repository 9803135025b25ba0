#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Nesterov dual averaging of log ε towards a target mean acceptance statistic δ (Hoffman &
/// Gelman 2014, §3.2, eq. 6; Nesterov 2009; Stan's `stepsize_adaptation`). After iteration t
/// with acceptance statistic α_t (capped at 1):
///
///   s̄_t = (1 − 1/(t + t₀))·s̄_{t−1} + (δ − α_t)/(t + t₀),
///   x_t = μ − √t·s̄_t/γ,    ε_t = e^{x_t},
///   x̄_t = t^{−κ}·x_t + (1 − t^{−κ})·x̄_{t−1},
///
/// and at the end of warmup ε = e^{x̄}. μ = log(10ε₀) shrinks the early iterates towards a step
/// size ten times the initial one. Defaults γ = 0.05, t₀ = 10, κ = 0.75.
struct DualAveraging {
    var mu: Double
    let delta: Double
    let gamma = 0.05
    let t0 = 10.0
    let kappa = 0.75
    private(set) var iteration = 0.0
    private(set) var gradientAverage = 0.0  // s̄
    private(set) var logStepSizeAverage = 0.0  // x̄

    init(mu: Double, delta: Double) {
        self.mu = mu
        self.delta = delta
    }

    /// Starts a new averaging run (after a metric update), keeping μ and δ.
    mutating func restart() {
        iteration = 0
        gradientAverage = 0
        logStepSizeAverage = 0
    }

    /// One update from the acceptance statistic; returns the next step size e^{x_t}.
    mutating func update(acceptStat: Double) -> Double {
        iteration += 1
        let alpha = acceptStat > 1 ? 1 : acceptStat
        let eta = 1 / (iteration + t0)
        gradientAverage = (1 - eta) * gradientAverage + eta * (delta - alpha)
        let x = mu - gradientAverage * iteration.squareRoot() / gamma
        let weight = pow(iteration, -kappa)
        logStepSizeAverage = (1 - weight) * logStepSizeAverage + weight * x
        return exp(x)
    }

    /// e^{x̄}, the step size used after warmup.
    var finalStepSize: Double { exp(logStepSizeAverage) }
}
