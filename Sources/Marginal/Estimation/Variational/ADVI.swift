import Foundation

/// Automatic differentiation variational inference with a mean-field Gaussian (Kucukelbir, Tran,
/// Ranganath, Gelman & Blei 2017, "Automatic differentiation variational inference", *JMLR* 18)
/// on the unconstrained coordinates of any ``LogDensity``: maximizes
///
///     ELBO(μ, ω) = E_q[log p(x)] + H[q],   q = ``MeanFieldGaussian``(μ, ω),
///
/// by stochastic gradient ascent with reparameterization gradients, x = μ + e^ω ⊙ ε:
///
///     ∇_μ ELBO = E[∇log p(x)],   ∇_ω ELBO = E[∇log p(x) ⊙ ε ⊙ e^ω] + 1,
///
/// each expectation estimated with `gradientDraws` standard normal draws per iteration, and
/// updated with ``Adam`` at a step α₀/√(1 + t/t₀). q starts at the given means with SDs from the
/// curvature of log p there (unless given). q is averaged over each interval of
/// `evaluationInterval` iterations (Polyak–Ruppert averaging, which removes most of the
/// stochastic jitter); the *smoothed ELBO* is the ELBO of that averaged q, estimated with one
/// fixed set of `elboDraws` draws, so successive values differ only through q. The run stops when
/// its relative change stays below `relativeTolerance` for `patience` successive estimates, or at
/// `maximumIterations`; the q returned averages the last `patience` + 1 intervals (those the rule
/// looked at) and the ELBO returned is that of the last interval. Draws where log p is not finite are left out of that iteration's average.
///
/// What mean-field cannot do: for a Gaussian target N(m, Σ) the optimum is μ = m and
/// e^{−2ω_i} = (Σ⁻¹)_ii, i.e. each variance is the *conditional* variance 1/(Σ⁻¹)_ii ≤ Σ_ii, so
/// marginal variances are understated wherever the target has correlations.
public enum ADVI {
    public static func fit<Density: LogDensity>(_ density: Density, options: ADVIOptions = ADVIOptions()) throws(EstimationError) -> ADVIResult {
        let clock = ContinuousClock()
        let started = clock.now
        var density = density
        let d = density.dimension
        try options.validate(dimension: d)
        var random = RandomSource(seed: options.seed)
        let elboNoise = (0..<options.elboDraws).map { _ in (0..<d).map { _ in random.normal() } }
        let mean = options.initialMean ?? [Double](repeating: 0, count: d)
        var q = MeanFieldGaussian(
            mean: mean,
            logStandardDeviation: options.initialLogStandardDeviations
                ?? options.initialLogStandardDeviation.map { [Double](repeating: $0, count: d) }
                ?? curvatureLogStandardDeviations(density: &density, at: mean))
        guard elbo(of: q, density: &density, noise: elboNoise) > -.infinity else { throw .nonFiniteStart(method: "ADVI") }

        // Adam minimizes −ELBO over (μ, ω) stacked.
        var adam = Adam(dimension: 2 * d, learningRate: options.learningRate)
        var parameters = q.mean + q.logStandardDeviation
        var step = [Double](repeating: 0, count: 2 * d)
        var gradient = [Double](repeating: 0, count: d)
        var epsilon = [Double](repeating: 0, count: d)
        var x = [Double](repeating: 0, count: d)
        var sum = [Double](repeating: 0, count: 2 * d)
        var recent: [[Double]] = []
        var trace: [ADVIResult.ELBOEstimate] = []
        var nonFinite = 0
        var calm = 0
        var converged = false
        var iteration = 0
        while iteration < options.maximumIterations {
            for i in 0..<(2 * d) { step[i] = 0 }
            var used = 0
            for _ in 0..<options.gradientDraws {
                for i in 0..<d {
                    epsilon[i] = random.normal()
                    x[i] = parameters[i] + exp(parameters[d + i]) * epsilon[i]
                }
                let value = density.logDensity(at: x, gradient: &gradient)
                guard value > -.infinity, gradient.allSatisfy(\.isFinite) else {
                    nonFinite += 1
                    continue
                }
                used += 1
                for i in 0..<d {
                    step[i] -= gradient[i]
                    step[d + i] -= gradient[i] * epsilon[i] * exp(parameters[d + i])
                }
            }
            iteration += 1
            if used > 0 {
                for i in 0..<(2 * d) { step[i] /= Double(used) }
                for i in 0..<d { step[d + i] -= 1 }
                adam.learningRate = options.learningRate / (1 + Double(iteration) / options.decayIterations).squareRoot()
                adam.update(&parameters, gradient: step)
            }
            for i in 0..<(2 * d) { sum[i] += parameters[i] }
            guard iteration % options.evaluationInterval == 0 else { continue }
            let average = sum.map { $0 / Double(options.evaluationInterval) }
            for i in 0..<(2 * d) { sum[i] = 0 }
            recent.append(average)
            if recent.count > options.patience + 1 { recent.removeFirst() }
            q = MeanFieldGaussian(mean: Array(average[0..<d]), logStandardDeviation: Array(average[d...]))
            let value = elbo(of: q, density: &density, noise: elboNoise)
            if let previous = trace.last?.elbo, value.isFinite, previous.isFinite,
               abs(value - previous) <= options.relativeTolerance * max(1, abs(value)) {
                calm += 1
            } else {
                calm = 0
            }
            trace.append(.init(iteration: iteration, elbo: value))
            if calm >= options.patience {
                converged = true
                break
            }
        }
        // The answer: the average over the intervals whose ELBOs met the rule (or the last
        // `patience` + 1 intervals when it was not met).
        let window = recent.suffix(options.patience + 1)
        if !window.isEmpty {
            let average = (0..<(2 * d)).map { i in window.reduce(0) { $0 + $1[i] } / Double(window.count) }
            q = MeanFieldGaussian(mean: Array(average[0..<d]), logStandardDeviation: Array(average[d...]))
        }
        return ADVIResult(
            approximation: q, elbo: trace.last?.elbo ?? -.infinity, trace: trace, iterations: iteration,
            converged: converged, nonFiniteDraws: nonFinite, seconds: started.duration(to: clock.now).seconds)
    }

    /// ω_i = min(−½ log(−∂²log p/∂x_i²), 0) at x, the second derivatives from central differences
    /// of the gradient (step 10⁻⁴ max(1, |x_i|)); 0 where the curvature is not negative and finite.
    /// For a Gaussian target with conditional SDs at most 1 this is already the mean-field optimum;
    /// the cap at SD 1 (Stan's starting SD) keeps a nearly flat direction, such as a log SD at a
    /// singular fit, from starting q with draws far beyond floating point.
    ///
    /// Each coordinate costs two evaluations of the density; `coordinates` limits the probe to
    /// some of them (the result then has one value per probed coordinate).
    static func curvatureLogStandardDeviations<Density: LogDensity>(
        density: inout Density, at x: [Double], coordinates: Range<Int>? = nil
    ) -> [Double] {
        let d = x.count
        var up = [Double](repeating: 0, count: d), down = up
        return (coordinates ?? 0..<d).map { i in
            let h = 1e-4 * max(1, abs(x[i]))
            var point = x
            point[i] = x[i] + h
            let a = density.logDensity(at: point, gradient: &up)
            point[i] = x[i] - h
            let b = density.logDensity(at: point, gradient: &down)
            guard a > -.infinity, b > -.infinity else { return 0 }
            return logStandardDeviation(curvature: (up[i] - down[i]) / (2 * h))
        }
    }

    /// The starting log SD for a second derivative c of log p: min(−½ log(−c), 0), and 0 where c
    /// is not negative and finite (see ``curvatureLogStandardDeviations(density:at:coordinates:)``).
    static func logStandardDeviation(curvature: Double) -> Double {
        guard curvature.isFinite, curvature < 0 else { return 0 }
        return min(-0.5 * log(-curvature), 0)
    }

    /// The ELBO of q estimated with the given standard normal draws:
    /// (1/E) Σ_e log p(μ + e^ω ⊙ ε_e) + H[q]; −∞ if log p is not finite at any draw.
    static func elbo<Density: LogDensity>(of q: MeanFieldGaussian, density: inout Density, noise: [[Double]]) -> Double {
        var gradient = [Double](repeating: 0, count: q.dimension)
        var total = 0.0
        for epsilon in noise {
            let value = density.logDensity(at: q.point(standardNormal: epsilon), gradient: &gradient)
            guard value > -.infinity else { return -.infinity }
            total += value
        }
        return total / Double(noise.count) + q.entropy
    }
}

/// The outcome of ``ADVI/fit(_:options:)``.
public struct ADVIResult: Sendable {
    public struct ELBOEstimate: Sendable, Codable, Equatable {
        public var iteration: Int
        public var elbo: Double
    }

    /// The fitted q (the average over the last interval).
    public var approximation: MeanFieldGaussian
    /// The last smoothed ELBO estimate.
    public var elbo: Double
    /// The smoothed ELBO at every estimate.
    public var trace: [ELBOEstimate]
    public var iterations: Int
    public var converged: Bool
    /// Gradient draws left out because log p or its gradient was not finite there.
    public var nonFiniteDraws: Int
    public var seconds: Double
}
