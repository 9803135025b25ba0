import Foundation

extension GeneralizedLinearMixedModel {
    /// Mean-field Gaussian ADVI (``ADVI``, the `vi` row of `compare`) on the posterior NUTS
    /// samples by default (``samplePosterior(_:progress:)``): every random effect sampled, the
    /// scalar terms partially centred at the Laplace fit (``WorkingWeightPilot``), the others
    /// non-centred, under the priors of ``GeneralizedPriors`` changed by `priors`
    /// (`NAME=DISTRIBUTION`). q covers x = [γ, log SDs, correlation coordinates, effects] and
    /// starts at the Laplace fit: its globals (``GeneralizedPriors/coordinates(of:model:)``) and
    /// effect coordinates 0, which put the partially centred effects at their conditional modes;
    /// q's SDs start from the curvature there (unless `options` gives them). Canonical links
    /// without dispersion only.
    ///
    /// The estimates are means under q: of β = Bγ exactly (B μ_γ, with SDs √(Σⱼ B_ij² s_j²)
    /// under mean-field), of the SDs and correlations over `summaryDraws` draws of q's globals.
    ///
    /// **Why not the quadrature-marginalized density** for a model with one scalar term: there q
    /// covers the globals alone and mean-field cuts fewer correlations, but on cbpp
    /// (`(1 | herd)`, period a factor; seeds 1–3) the two gave the same means to within ADVI's own
    /// noise, each within 0.13 posterior SDs of a long Stan run (partial: at most 0.12), while the
    /// partial form ran 0.013–0.03 s against 0.07–0.16 s (every ELBO draw integrates 15 levels
    /// by 15-point quadrature), and it applies to every model, so one target serves all
    /// (`GeneralizedVariationalTests`).
    public func fitMeanFieldVI(options: ADVIOptions = ADVIOptions(), priors: [String] = [], summaryDraws: Int = 1000) throws(EstimationError) -> VariationalFit {
        try fitMeanFieldVI(integrating: nil, options: options, priors: priors, summaryDraws: summaryDraws)
    }

    /// ``fitMeanFieldVI(options:priors:summaryDraws:)`` on the density with the scalar term of
    /// `group` integrated out by adaptive quadrature with the sampler's default points (nil: the partially centred form).
    func fitMeanFieldVI(integrating group: String?, options: ADVIOptions, priors settings: [String], summaryDraws: Int) throws(EstimationError) -> VariationalFit {
        let clock = ContinuousClock()
        let started = clock.now
        var priors = GeneralizedPriors(design: design, blocks: blocks)
        do { try priors.set(settings) } catch { throw .invalidPrior(error) }
        let laplace: GeneralizedLinearMixedModelFit
        do { laplace = try fit() } catch { throw .startingFitFailed(error.description) }
        let density: GeneralizedMixedDensity
        do {
            density = try GeneralizedMixedDensity(
                model: self, integrating: group, points: PosteriorRequest.defaultQuadraturePoints, priors: priors,
                pilot: group == nil ? laplace : nil)
        } catch { throw .unsupportedModel(error) }
        var options = options
        if options.initialMean == nil {
            options.initialMean = priors.coordinates(of: laplace, model: self) + [Double](repeating: 0, count: density.sampled.count)
        }
        let result = try ADVI.fit(density, options: options)
        let q = result.approximation
        // β = Bγ: mean B μ_γ; under mean-field Var β_i = Σ_j B_ij² s_j².
        let p = priors.p
        let beta = Array(priors.layoutCoordinates(q.mean).prefix(p))
        let sds = q.standardDeviation
        let betaSDs = (0..<p).map { i in (i..<p).reduce(0.0) { $0 + pow(priors.fixedBasis[i + $1 * p] * sds[$1], 2) }.squareRoot() }
        // q's effect coordinates (ε of a partially centred term, z of a non-centred one), named `z[…]`.
        let effectNames = RandomEffectsLayout(blocks: blocks).names
            .filter { name in group.map { !name.hasPrefix("r[\($0)]") } ?? true }
            .map { "z" + $0.dropFirst() }
        return try VariationalFit(
            target: group == nil ? .partiallyCentered : .marginalized, layout: priors.layout,
            parameterNames: priors.parameterNames + effectNames, advi: result, options: options,
            globalDraws: q.globalDraws(density.globalCount, count: summaryDraws, seed: options.seed).map(priors.layoutCoordinates),
            beta: (beta, betaSDs), dispersion: false, seconds: started.duration(to: clock.now).seconds)
    }
}
