import Foundation

/// Profile-likelihood confidence intervals for every parameter of a linear mixed model, as lme4's
/// `confint(fit, method = "profile")` (Bates et al. 2015, §5.1): for each parameter ψⱼ, the signed
/// square root ζ(c) = sign(c − ψ̂ⱼ)√(D(c) − D̂) of the increase of the deviance when ψⱼ is held at
/// c and every other parameter is re-estimated, and the interval's ends where ζ = ±z_{(1+level)/2}.
///
/// As lme4, the profile is of the ML deviance whatever the fit's criterion (lme4 refits a REML fit
/// by ML for it), over the parameters lme4 profiles: each term's SDs and correlations, σ, and β.
/// The variance parameters enter the unprofiled deviance D(θ, σ) = log det(ΛᵀZᵀZΛ + I) +
/// P(θ)/σ² + n log(2πσ²) (θ from the SDs and correlations relative to σ); the others are
/// re-estimated by BOBYQA on log SDs, Fisher-z correlations and log σ. A fixed effect βⱼ = c is
/// profiled as the model without its column and with response y − c xⱼ, fitted by ML. The ends are
/// found by bracketing and Illinois' false position on ζ to 10⁻⁸ relative (lme4 interpolates a
/// spline through a grid of ζ, which agrees to about 10⁻⁵). Where ζ does not reach the level
/// before a bound (an SD at 0, a correlation at ±1), the bound is the end, with a note.
public struct ProfileIntervals: Codable, Sendable {
    public var level: Double
    public var intervals: [BootstrapIntervals.Interval]
    public var notes: [String]

    /// The intervals as lme4's `confint` prints them.
    public func text() -> String {
        let percent = { (p: Double) in String(format: "%g %%", 100 * p) }
        let table = TextTable(
            header: ["", percent((1 - level) / 2), percent((1 + level) / 2)],
            rows: intervals.map { [$0.name, NumberFormat.significant($0.lower, 5), NumberFormat.significant($0.upper, 5)] })
        return (["Profile-likelihood confidence intervals (ML deviance, as lme4's confint):", table.render()] + notes).joined(separator: "\n")
    }
}

extension LinearMixedModel {
    /// Profile intervals at `level` for `fit`'s parameters (β, σ, each SD and correlation).
    public func profileIntervals(_ fit: LinearMixedModelFit, level: Double = 0.95) throws(MixedModelError) -> ProfileIntervals {
        try requireUnstructuredCovariance(for: "profiling (--confint profile)")
        let ml = fit.criterion == .ml ? fit : try self.fit(criterion: .ml)
        let z = NormalQuantile.value(0.5 + level / 2)
        var notes: [String] = []
        let profile = VarianceProfile(model: self, fit: ml)
        var intervals: [BootstrapIntervals.Interval] = []

        // β: the model without column j, response y − c xⱼ.
        for (j, effect) in ml.fixedEffects.enumerated() {
            var reduced = design
            reduced.fixedEffects.names.remove(at: j)
            let x = design.fixedEffects.matrix
            reduced.fixedEffects.matrix = Matrix(
                rows: x.rows, columns: x.columns - 1,
                elements: (0..<x.columns).filter { $0 != j }.flatMap { column in (0..<x.rows).map { x[$0, column] } })
            let base = try LinearMixedModel(design: reduced)
            let column = (0..<x.rows).map { x[$0, j] }
            let zeta = { (c: Double) -> Double? in
                let y = zip(self.design.response, column).map { $0 - c * $1 }
                guard let refit = try? base.replacingResponse(y).fit(criterion: .ml) else { return nil }
                return (c < effect.estimate ? -1 : 1) * max(refit.objective - ml.objective, 0).squareRoot()
            }
            let ends = [-1.0, 1].map {
                ProfileSearch.end(estimate: effect.estimate, direction: $0, scale: effect.standardError, level: z, bounds: -.infinity...(.infinity), zeta: zeta)
            }
            intervals.append(.init(name: "b[\(effect.name)]", estimate: effect.estimate, lower: ends[0].value, upper: ends[1].value))
        }
        // σ, then each term's SDs and correlations.
        for (index, parameter) in profile.parameters.enumerated() {
            let estimate = profile.estimate[index]
            let ends = [-1.0, 1].map {
                profile.resetWarmStart()
                return ProfileSearch.end(
                    estimate: estimate, direction: $0, scale: parameter.scale(estimate), level: z, bounds: parameter.bounds,
                    zeta: { profile.zeta(index, at: $0) })
            }
            for end in ends where end.atBound { notes.append("\(parameter.name): the profile does not reach the level before its bound \(end.value); the bound is the interval's end") }
            intervals.append(.init(name: parameter.name, estimate: estimate, lower: ends[0].value, upper: ends[1].value))
        }
        return ProfileIntervals(level: level, intervals: intervals, notes: notes)
    }
}

/// Finding one end of a profile interval: bracket ζ(c) = ±z by steps growing from `scale`, then
/// Illinois' false position inside the bracket.
enum ProfileSearch {
    static func end(
        estimate: Double, direction: Double, scale: Double, level z: Double, bounds: ClosedRange<Double>,
        zeta: (Double) -> Double?
    ) -> (value: Double, atBound: Bool) {
        let target = direction * z
        var inside = (c: estimate, f: -target)            // ζ − target at the estimate
        var step = max(abs(scale), 1e-8)
        var outside: (c: Double, f: Double)?
        for _ in 0..<60 {
            var c = estimate + direction * step
            var atBound = false
            if c <= bounds.lowerBound || c >= bounds.upperBound {
                c = direction < 0 ? bounds.lowerBound : bounds.upperBound
                atBound = true
            }
            guard let value = zeta(c) else { return (.nan, false) }
            let f = value - target
            if f * direction >= 0 {
                outside = (c, f)
                break
            }
            if atBound { return (c, true) }
            inside = (c, f)
            step *= 2
        }
        guard var b = outside else { return (.nan, false) }
        var a = inside
        // Illinois: false position, halving the retained end's value when it is kept twice.
        var side = 0
        for _ in 0..<100 {
            let c = (a.c * b.f - b.c * a.f) / (b.f - a.f)
            guard let value = zeta(c) else { return (.nan, false) }
            let f = value - target
            if abs(b.c - a.c) <= 1e-8 * max(abs(c), abs(scale)) || f == 0 { return (c, false) }
            if f * direction < 0 {
                a = (c, f)
                if side == -1 { b.f /= 2 }
                side = -1
            } else {
                b = (c, f)
                if side == 1 { a.f /= 2 }
                side = 1
            }
        }
        return ((a.c + b.c) / 2, false)
    }
}

/// The ML deviance as a function of σ and each term's SDs and correlations (lme4's `devfun2`),
/// and its profile in one of them with the others re-estimated. A class: the profile's searches
/// warm-start from the last optimum and share one factor.
final class VarianceProfile {
    enum Kind {
        case sigma
        case sd(block: Int, column: Int)
        case cor(block: Int, first: Int, second: Int)
    }

    struct Parameter {
        let name: String
        let kind: Kind
        var bounds: ClosedRange<Double> {
            switch kind {
            case .sigma, .sd: 0...Double.infinity
            case .cor: -1...1
            }
        }
        /// The first step of the bracketing search.
        func scale(_ estimate: Double) -> Double {
            switch kind {
            case .sigma, .sd: max(0.2 * estimate, 1e-3)
            case .cor: 0.1
            }
        }
        /// To and from the unconstrained coordinates the re-estimation works in.
        func free(_ value: Double) -> Double {
            switch kind {
            case .sigma, .sd: log(max(value, 1e-300))
            case .cor: atanh(min(max(value, -1 + 1e-12), 1 - 1e-12))
            }
        }
        func value(_ free: Double) -> Double {
            switch kind {
            case .sigma, .sd: exp(free)
            case .cor: tanh(free)
            }
        }
    }

    let model: LinearMixedModel
    let parameters: [Parameter]
    let estimate: [Double]
    let minimum: Double
    private var factor: PenalizedLeastSquares
    private var warm: [Double]
    private var theta: [Double]

    init(model: LinearMixedModel, fit: LinearMixedModelFit) {
        self.model = model
        var parameters = [Parameter(name: "sigma", kind: .sigma)]
        var estimate = [fit.sigma]
        var component = 0
        for (k, block) in model.blocks.enumerated() {
            for part in block.parts {
                let values = fit.varianceComponents[component]
                component += 1
                for (a, column) in part.columns.enumerated() {
                    parameters.append(Parameter(name: "sd[\(block.group)][\(values.names[a])]", kind: .sd(block: k, column: column)))
                    estimate.append(values.standardDeviations[a])
                }
                guard part.term.correlated else { continue }
                for (a, first) in part.columns.enumerated() {
                    for (b, second) in part.columns.enumerated() where b > a {
                        parameters.append(Parameter(
                            name: "cor[\(block.group)][\(values.names[a]),\(values.names[b])]", kind: .cor(block: k, first: first, second: second)))
                        estimate.append(values.correlations[a, b])
                    }
                }
            }
        }
        self.parameters = parameters
        self.estimate = estimate
        minimum = fit.objective
        factor = PenalizedLeastSquares(products: model.products, factors: model.factors)
        warm = []
        theta = fit.theta
        resetWarmStart()
    }

    /// Starts the next re-estimations from the fit's estimate again.
    func resetWarmStart() {
        warm = zip(parameters, estimate).map { $0.free($1) }
    }

    /// D(θ, σ) at the parameters ψ (σ, SDs, correlations), or a large value where Σ is not
    /// positive definite.
    func deviance(_ psi: [Double]) -> Double {
        let sigma = psi[0]
        var covariance = model.blocks.map { [Double](repeating: 0, count: $0.dimension * $0.dimension) }
        var sds = model.blocks.map { [Double](repeating: 0, count: $0.dimension) }
        for (index, parameter) in parameters.enumerated() {
            if case .sd(let k, let a) = parameter.kind { sds[k][a] = psi[index] }
        }
        for k in covariance.indices {
            let s = model.blocks[k].dimension
            for a in 0..<s { covariance[k][a + a * s] = sds[k][a] * sds[k][a] }
        }
        for (index, parameter) in parameters.enumerated() {
            if case .cor(let k, let a, let b) = parameter.kind {
                let s = model.blocks[k].dimension
                let value = psi[index] * sds[k][a] * sds[k][b]
                covariance[k][b + a * s] = value
                covariance[k][a + b * s] = value
            }
        }
        // T = chol(Σₖ), θ = T/σ.
        for k in covariance.indices {
            let s = model.blocks[k].dimension
            let ok = covariance[k].withUnsafeMutableBufferPointer { LAPACK.choleskyLower(n: s, a: $0.baseAddress!, lda: s) }
            guard ok else { return LinearMixedModel.failedFactorizationObjective }
            for j in 0..<s { for i in 0..<j { covariance[k][i + j * s] = 0 } }
        }
        guard model.thetaLayout.relative(covariance, sigma: sigma, into: &theta), factor.update(theta: theta) else {
            return LinearMixedModel.failedFactorizationObjective
        }
        let n = Double(model.design.nobs)
        let value = factor.logDeterminantRandom + factor.penalizedResidualSumOfSquares / (sigma * sigma)
            + n * log(2 * Double.pi * sigma * sigma) - factor.products.logWeightSum
        return value.isFinite ? value : LinearMixedModel.failedFactorizationObjective
    }

    /// ζ at ψⱼ = c: the others re-estimated by BOBYQA from the last optimum.
    func zeta(_ j: Int, at c: Double) -> Double? {
        let others = parameters.indices.filter { $0 != j }
        var fixed = c
        if case .sd = parameters[j].kind { fixed = max(c, 1e-10 * max(estimate[j], 1)) }
        if case .cor = parameters[j].kind { fixed = min(max(c, -1 + 1e-10), 1 - 1e-10) }
        let objective = { (free: [Double]) -> Double in
            var psi = self.estimate
            psi[j] = fixed
            for (slot, index) in others.enumerated() { psi[index] = self.parameters[index].value(free[slot]) }
            return self.deviance(psi)
        }
        var minimizer = BoundedMinimizer(lowerBounds: others.map { _ in -.infinity }, initialSteps: others.map { _ in 0.1 })
        minimizer.relativeObjectiveTolerance = 1e-13
        let start = others.map { warm[$0] }
        let result = others.isEmpty
            ? MinimizationResult(minimizer: [], minimum: objective([]), evaluations: 1, message: "", converged: true)
            : minimizer.minimize(start: start, objective: objective)
        guard result.minimum < LinearMixedModel.failedFactorizationObjective else { return nil }
        for (slot, index) in others.enumerated() { warm[index] = result.minimizer[slot] }
        return (c < estimate[j] ? -1 : 1) * max(result.minimum - minimum, 0).squareRoot()
    }
}
