import Foundation

/// Which log density of a linear mixed model mean-field VI approximates.
public enum VariationalTarget: String, Sendable, Codable, CaseIterable {
    /// Every random effect integrated out (``MarginalizedMixedModelDensity``): q covers only
    /// (β, log σ, the covariance coordinates).
    case marginalized
    /// Every random effect sampled, non-centered (``JointMixedModelDensity``): q also covers the
    /// standardized effects z, and mean-field cuts their posterior correlations with the globals.
    case jointNonCentered = "joint-noncentered"
    /// A generalized model's: every random effect sampled, the scalar terms partially centred at
    /// the Laplace fit (``WorkingWeightPilot``), the others non-centred
    /// (``GeneralizedLinearMixedModel/fitMeanFieldVI(options:priors:summaryDraws:)``).
    case partiallyCentered = "joint-partial"
}

/// Mean-field ADVI applied to a linear mixed model: the estimates are means under q.
public struct VariationalFit: Sendable {
    public var target: VariationalTarget
    /// Means under q of β, σ, the SDs and the correlations (Monte Carlo over `summaryDraws` draws
    /// of q's marginal over the global coordinates, except β, whose mean and SD are q's own), with q's SD of each β as its standard error.
    public var estimates: GlobalEstimates
    /// The names of q's coordinates and q itself.
    public var parameterNames: [String]
    public var advi: ADVIResult
    /// 95 % central intervals of every reported parameter under q (quantiles of q's draws).
    public var intervals: [BootstrapIntervals.Interval]
    public var warnings: [String]
    public var seconds: Double
}

extension LinearMixedModel {
    /// Mean-field Gaussian ADVI (``ADVI``) on one of the model's log densities with the default
    /// priors (changed by `priors`, `NAME=DISTRIBUTION`). q starts at the ML estimate (means; for the
    /// joint target the standardized conditional modes) with SDs e^ω₀ = `options.initialLogStandardDeviation`
    /// unless `options.initialMean` is given. Without given SDs, q starts at ADVI's curvature start;
    /// for the joint target its effects' part is computed exactly (``curvatureStart(density:at:globalCount:)``).
    public func fitMeanFieldVI(
        target: VariationalTarget = .marginalized, options: ADVIOptions = ADVIOptions(), priors: [String] = [],
        summaryDraws: Int = 1000
    ) throws(EstimationError) -> VariationalFit {
        do { try requireUnstructuredCovariance(for: "variational Bayes") } catch { throw .unsupportedModel(error) }
        let clock = ContinuousClock()
        let started = clock.now
        var layout = MixedModelParameterization(model: self)
        do { try layout.setPriors(priors) } catch { throw .invalidPrior(error) }
        var options = options
        let result: ADVIResult
        let names: [String]
        switch target {
        case .marginalized:
            let density: MarginalizedMixedModelDensity
            do { density = try MarginalizedMixedModelDensity(model: self, parameterization: layout) } catch {
                throw .invalidOption(name: "priors", value: "\(error)", requirement: "made from this model")
            }
            if options.initialMean == nil { options.initialMean = try maximumLikelihoodStart(layout: layout).globals }
            names = layout.parameterNames
            result = try ADVI.fit(density, options: options)
        case .jointNonCentered:
            let density: JointMixedModelDensity
            do { density = try JointMixedModelDensity(model: self, effects: .nonCentered, parameterization: layout) } catch {
                throw .invalidOption(name: "priors", value: "\(error)", requirement: "made from this model")
            }
            if options.initialMean == nil {
                let start = try maximumLikelihoodStart(layout: layout)
                options.initialMean = density.coordinates(globals: start.globals, randomEffects: start.effects)
            }
            if options.initialLogStandardDeviation == nil, options.initialLogStandardDeviations == nil, let mean = options.initialMean {
                options.initialLogStandardDeviations = Self.curvatureStart(density: density, at: mean, globalCount: layout.dimension)
            }
            names = density.parameterNames
            result = try ADVI.fit(density, options: options)
        case .partiallyCentered:
            throw .invalidOption(name: "target", value: target.rawValue, requirement: "marginalized or joint-noncentered for a linear model (the partial form is a generalized model's)")
        }
        let q = result.approximation
        let p = layout.fixedNames.count
        return try VariationalFit(
            target: target, layout: layout, parameterNames: names, advi: result, options: options,
            globalDraws: q.globalDraws(layout.dimension, count: summaryDraws, seed: options.seed),
            beta: (Array(q.mean.prefix(p)), Array(q.standardDeviation.prefix(p))), dispersion: true,
            seconds: started.duration(to: clock.now).seconds)
    }

    /// ADVI's curvature start (``ADVI/curvatureLogStandardDeviations(density:at:coordinates:)``)
    /// for the joint density at `x`: finite differences for the few global coordinates and the
    /// exact second derivatives for the effects (``JointMixedModelDensity/effectCurvatures(at:)``),
    /// so the start costs O(globals · N) rather than O(q · N). Nil (ADVI then probes every
    /// coordinate) when x does not fit the density.
    static func curvatureStart(density: JointMixedModelDensity, at x: [Double], globalCount: Int) -> [Double]? {
        var density = density
        guard x.count == density.dimension, globalCount <= x.count, let effects = density.effectCurvatures(at: x) else { return nil }
        let globals = ADVI.curvatureLogStandardDeviations(density: &density, at: x, coordinates: 0..<globalCount)
        return globals + effects.map(ADVI.logStandardDeviation(curvature:))
    }

    /// Variational EM with q(u) the exact Gaussian conditional p(u | y, θ): the E-step sets q to
    /// that conditional, which makes the ELBO equal log p(y | θ) (the KL term is 0), and the M-step
    /// maximizes E_q[log p(y, u | θ)] over θ, which is exactly EM's M-step. So it *is* EM, and this
    /// runs ``fitEM(_:progress:)``.
    public func fitVariationalEM(_ options: EMOptions = EMOptions()) throws(EstimationError) -> EMFit {
        try fitEM(options)
    }

    /// The ML estimate as unconstrained global coordinates and conditional modes (see
    /// ``startingValues(from:model:layout:)``).
    func maximumLikelihoodStart(layout: MixedModelParameterization) throws(EstimationError) -> (globals: [Double], effects: [Double]) {
        let fit: LinearMixedModelFit
        do { fit = try self.fit(criterion: .ml) } catch { throw .startingFitFailed(error.description) }
        let (globals, effects) = Self.startingValues(from: fit, model: self, layout: layout)
        return (globals, effects)
    }
}
