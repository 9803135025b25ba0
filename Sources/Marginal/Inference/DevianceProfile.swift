import Foundation

/// One parameter a profile holds fixed: σ, a random-effect SD or correlation, a fixed effect or a
/// family's dispersion, with its bounds and the unconstrained coordinate the others are
/// re-estimated in (log for the positive ones, Fisher's z for a correlation, itself for β).
struct ProfileParameter {
    enum Kind {
        case sigma
        case sd(block: Int, column: Int)
        case cor(block: Int, first: Int, second: Int)
        case fixedEffect(Int)
        case dispersion
    }

    let name: String
    let kind: Kind

    var bounds: ClosedRange<Double> {
        switch kind {
        case .sigma, .sd, .dispersion: 0...Double.infinity
        case .cor: -1...1
        case .fixedEffect: -Double.infinity...Double.infinity
        }
    }

    /// The first step of the bracketing search, given the estimate and its standard error (if known).
    func scale(_ estimate: Double, standardError: Double?) -> Double {
        switch kind {
        case .sigma, .sd, .dispersion: max(0.2 * estimate, 1e-3)
        case .cor: 0.1
        case .fixedEffect: standardError.flatMap { $0.isFinite && $0 > 0 ? $0 : nil } ?? max(0.1 * abs(estimate), 0.1)
        }
    }

    /// The value held: an SD just above 0 and a correlation just inside ±1, where Σ stays
    /// positive definite.
    func held(_ c: Double, estimate: Double) -> Double {
        switch kind {
        case .sd: max(c, 1e-10 * max(estimate, 1))
        case .cor: min(max(c, -1 + 1e-10), 1 - 1e-10)
        case .sigma, .fixedEffect, .dispersion: c
        }
    }

    /// To and from the unconstrained coordinates the re-estimation works in.
    func free(_ value: Double) -> Double {
        switch kind {
        case .sigma, .sd, .dispersion: log(max(value, 1e-300))
        case .cor: atanh(min(max(value, -1 + 1e-12), 1 - 1e-12))
        case .fixedEffect: value
        }
    }

    func value(_ free: Double) -> Double {
        switch kind {
        case .sigma, .sd, .dispersion: exp(free)
        case .cor: tanh(free)
        case .fixedEffect: free
        }
    }

    /// Each block's SDs and correlations (lme4's `.sig01`, … in θ's order), named as
    /// ``ParameterNames`` names them, with their estimates from the fit's variance components.
    static func covariance(blocks: [RandomEffectBlock], components: [VarianceComponent]) -> [(ProfileParameter, Double)] {
        var rows: [(ProfileParameter, Double)] = []
        var component = 0
        for (k, block) in blocks.enumerated() {
            for part in block.parts {
                let values = components[component]
                component += 1
                for (a, column) in part.columns.enumerated() {
                    rows.append((ProfileParameter(name: "sd[\(block.group)][\(values.names[a])]", kind: .sd(block: k, column: column)), values.standardDeviations[a]))
                }
                guard part.term.correlated else { continue }
                for (a, first) in part.columns.enumerated() {
                    for (b, second) in part.columns.enumerated() where b > a {
                        rows.append((ProfileParameter(
                            name: "cor[\(block.group)][\(values.names[a]),\(values.names[b])]", kind: .cor(block: k, first: first, second: second)),
                            values.correlations[a, b]))
                    }
                }
            }
        }
        return rows
    }

    /// The lower Cholesky factors T_k of each block's covariance Σ_k (column-major) from the SDs
    /// and correlations among `parameters` at the values ψ; nil where a Σ_k is not positive definite.
    static func covarianceFactors(_ psi: [Double], parameters: [ProfileParameter], blocks: [RandomEffectBlock]) -> [[Double]]? {
        var covariance = blocks.map { [Double](repeating: 0, count: $0.dimension * $0.dimension) }
        var sds = blocks.map { [Double](repeating: 0, count: $0.dimension) }
        for (index, parameter) in parameters.enumerated() {
            if case .sd(let k, let a) = parameter.kind { sds[k][a] = psi[index] }
        }
        for k in covariance.indices {
            let s = blocks[k].dimension
            for a in 0..<s { covariance[k][a + a * s] = sds[k][a] * sds[k][a] }
        }
        for (index, parameter) in parameters.enumerated() {
            if case .cor(let k, let a, let b) = parameter.kind {
                let s = blocks[k].dimension
                let value = psi[index] * sds[k][a] * sds[k][b]
                covariance[k][b + a * s] = value
                covariance[k][a + b * s] = value
            }
        }
        for k in covariance.indices {
            let s = blocks[k].dimension
            let ok = covariance[k].withUnsafeMutableBufferPointer { LAPACK.choleskyLower(n: s, a: $0.baseAddress!, lda: s) }
            guard ok else { return nil }
            for j in 0..<s { for i in 0..<j { covariance[k][i + j * s] = 0 } }
        }
        return covariance
    }
}

/// A deviance D(ψ) over named parameters ψ and its profile in one of them, ζ(c) =
/// sign(c − ψ̂ⱼ)√(D(ψⱼ = c, others re-estimated) − D̂), the others re-estimated by BOBYQA in their
/// unconstrained coordinates (Bates et al. 2015, §5.1; lme4's `profile`). A class: the searches
/// warm-start from the last optimum, and `deviance` may keep state (a factor, PIRLS's modes).
final class DevianceProfile {
    let parameters: [ProfileParameter]
    let estimate: [Double]
    let minimum: Double
    /// D(ψ), or ``LinearMixedModel/failedFactorizationObjective`` where it cannot be evaluated.
    private let deviance: ([Double]) -> Double
    private var warm: [Double]

    init(parameters: [ProfileParameter], estimate: [Double], minimum: Double, deviance: @escaping ([Double]) -> Double) {
        self.parameters = parameters
        self.estimate = estimate
        self.minimum = minimum
        self.deviance = deviance
        warm = zip(parameters, estimate).map { $0.free($1) }
    }

    /// Starts the next re-estimations from the estimate again.
    func resetWarmStart() {
        warm = zip(parameters, estimate).map { $0.free($1) }
    }

    /// ζ at ψⱼ = c: the others re-estimated by BOBYQA from the last optimum; nil where no
    /// re-estimate has a finite deviance.
    func zeta(_ j: Int, at c: Double) -> Double? {
        let others = parameters.indices.filter { $0 != j }
        let fixed = parameters[j].held(c, estimate: estimate[j])
        let objective = { (free: [Double]) -> Double in
            var psi = self.estimate
            psi[j] = fixed
            for (slot, index) in others.enumerated() { psi[index] = self.parameters[index].value(free[slot]) }
            return self.deviance(psi)
        }
        var minimizer = BoundedMinimizer(lowerBounds: others.map { _ in -.infinity }, initialSteps: others.map { _ in 0.1 })
        minimizer.relativeObjectiveTolerance = 1e-13
        let result = others.isEmpty
            ? MinimizationResult(minimizer: [], minimum: objective([]), evaluations: 1, message: "", converged: true)
            : minimizer.minimize(start: others.map { warm[$0] }, objective: objective)
        guard result.minimum < LinearMixedModel.failedFactorizationObjective else { return nil }
        for (slot, index) in others.enumerated() { warm[index] = result.minimizer[slot] }
        return (c < estimate[j] ? -1 : 1) * max(result.minimum - minimum, 0).squareRoot()
    }

    /// The interval of each parameter in `indices` at ζ = ±z, with a note for each end that is a
    /// bound the profile does not reach the level before. `standardErrors` (by index) scale the
    /// first steps of the search.
    func intervals(_ indices: Range<Int>, level z: Double, standardErrors: [Int: Double] = [:]) -> (intervals: [BootstrapIntervals.Interval], notes: [String]) {
        var intervals: [BootstrapIntervals.Interval] = []
        var notes: [String] = []
        for index in indices {
            let parameter = parameters[index]
            let value = estimate[index]
            let ends = [-1.0, 1].map { direction in
                resetWarmStart()
                return ProfileSearch.end(
                    estimate: value, direction: direction, scale: parameter.scale(value, standardError: standardErrors[index]), level: z,
                    bounds: parameter.bounds, zeta: { self.zeta(index, at: $0) })
            }
            for end in ends where end.atBound {
                notes.append("\(parameter.name): the profile does not reach the level before its bound \(end.value); the bound is the interval's end")
            }
            intervals.append(.init(name: parameter.name, estimate: value, lower: ends[0].value, upper: ends[1].value))
        }
        return (intervals, notes)
    }
}
