import Foundation

/// The ALADYN simulation study (issue 14): data from the published parameter-recovery notebook's
/// process (``AladynSimulation``), fitted from the data alone (``AladynInitialization``) by
///
/// - `map`: the published joint MAP, centred, 300 epochs of Adam with its learning-rate groups;
/// - `map-nc`: the same optimizer on the non-centred form λ = m(γ) + δ, φ = μ + ψ + ε;
/// - `map-lbfgs`, `map-nc-lbfgs`: each continued to convergence by L-BFGS, to tell an optimization
///   difference from a different optimum (both report the same published loss);
/// - `marginal`: each individual's λ_i integrated out (Laplace), the population parameters by
///   maximizing that marginal likelihood with exact gradients (L-BFGS from the same start);
///
/// and scored against the truth the fits never saw: γ̂ against γ (correlation, the OLS slope of γ̂
/// on γ, where 1 means no attenuation, and both again after removing each covariate's mean over
/// the signatures), mean |γ̂|, RMSE, the correlations of ψ̂ and φ̂ with the truth, κ̂, and on new
/// individuals from the same process the held-out NLL and the AUC of 10-year risk
/// (``AladynPrediction``). Fitted signatures are matched to true ones by their ψ rows first (the
/// spectral-clustering start numbers clusters arbitrarily).
public struct AladynExample: Sendable {
    public enum Method: String, Sendable, Codable, CaseIterable {
        case map
        case mapNonCentred = "map-nc"
        case mapConverged = "map-lbfgs"
        case mapNonCentredConverged = "map-nc-lbfgs"
        /// Every individual's λ_i integrated out by the Laplace approximation; φ, ψ, γ, κ by the
        /// marginal likelihood (``AladynFit/marginal(_:start:maximumEvaluations:basisTolerance:progress:)``).
        case marginal
    }

    public var dimensions: AladynDimensions
    public var heldOutIndividuals: Int
    public var seeds: [UInt64]
    public var epochs = 300
    public var learningRate = 0.1
    public var priorWeight = 1e-4
    public var lbfgsEvaluations = 1000
    /// Age index at which new individuals' histories are cut for prediction.
    public var enrollment: Int
    public var methods: [Method] = Method.allCases

    public init(dimensions: AladynDimensions = AladynDimensions(individuals: 1000, diseases: 50, ages: 52, signatures: 5, covariates: 20),
                heldOutIndividuals: Int = 200, seeds: [UInt64] = [1]) {
        self.dimensions = dimensions
        self.heldOutIndividuals = heldOutIndividuals
        self.seeds = seeds
        enrollment = dimensions.ages * 3 / 5
    }

    public struct MethodSummary: Sendable, Codable, Equatable {
        public var method: String
        public var seed: UInt64
        public var gammaCorrelation: Double
        public var gammaSlope: Double
        public var gammaContrastCorrelation: Double
        public var gammaContrastSlope: Double
        public var meanAbsGamma: Double
        public var gammaRMSE: Double
        public var psiCorrelation: Double
        public var phiCorrelation: Double
        public var kappa: Double
        public var loss: Double
        public var heldOutNLL: Double
        public var auc: Double?
        public var seconds: Double
        public var gradientFlow: AladynGradientFlow
    }

    public struct Result: Sendable, Codable, Equatable {
        public var dimensions: AladynDimensions
        public var heldOutIndividuals: Int
        public var enrollment: Int
        public var epochs: Int
        public var priorWeight: Double
        public var trueMeanAbsGamma: Double
        /// One row per method and seed.
        public var methods: [MethodSummary]
    }

    public func run(progress: ((String) -> Void)? = nil) throws(AladynError) -> Result {
        try dimensions.validate()
        guard heldOutIndividuals >= 1 else { throw .invalidDimension(name: "held-out individuals", value: heldOutIndividuals) }
        var rows: [MethodSummary] = []
        var trueMeanAbs = 0.0
        for seed in seeds {
            var all = dimensions
            all.individuals += heldOutIndividuals
            let simulation = try AladynSimulation(dimensions: all, seed: seed)
            let training = Array(0..<dimensions.individuals)
            let heldOut = Array(dimensions.individuals..<all.individuals)
            let outcomes = try simulation.outcomes.individuals(training)
            let p = dimensions.covariates
            let covariates = training.flatMap { simulation.covariates[($0 * p)..<(($0 + 1) * p)] }
            let model = try AladynModel(
                outcomes: outcomes, covariates: covariates, covariateCount: p,
                logitPrevalence: AladynPrevalence.smoothedLogit(outcomes), signatureReferences: simulation.signatureReferences,
                priorWeight: priorWeight)
            let truth = try Truth(simulation)
            trueMeanAbs += truth.gamma.reduce(0) { $0 + abs($1) } / Double(truth.gamma.count) / Double(seeds.count)
            let start = try AladynInitialization.published(model, form: .centred, seed: seed &+ 1000)
            let newOutcomes = try simulation.outcomes.individuals(heldOut)
            let newCovariates = heldOut.flatMap { simulation.covariates[($0 * p)..<(($0 + 1) * p)] }
            var fits: [Method: AladynFit] = [:]
            for method in methods {
                progress?("aladyn seed \(seed): \(method.rawValue)")
                let fit = try method.fit(
                    model, start: start, epochs: epochs, learningRate: learningRate, lbfgsEvaluations: lbfgsEvaluations, earlier: fits
                ) { progress?("aladyn seed \(seed): \($0)") }
                fits[method] = fit
                let prediction = try AladynPrediction.evaluate(
                    fitted: fit.parameters, trainingModel: model, outcomes: newOutcomes, covariates: newCovariates,
                    enrollment: enrollment, epochs: epochs, learningRate: learningRate)
                rows.append(try summary(method, seed: seed, fit: fit, model: model, truth: truth, prediction: prediction))
            }
        }
        return Result(
            dimensions: dimensions, heldOutIndividuals: heldOutIndividuals, enrollment: enrollment, epochs: epochs,
            priorWeight: priorWeight, trueMeanAbsGamma: trueMeanAbs, methods: rows)
    }

    /// The true γ (P × K), ψ and φ of the disease signatures.
    struct Truth {
        var gamma: [Double]
        var psi: [Double]
        var phi: [Double]

        init(_ simulation: AladynSimulation) throws(AladynError) {
            gamma = simulation.truth.gamma
            let d = simulation.dimensions
            psi = Array(simulation.truth[.diseaseOffsets].prefix(d.signatures * d.diseases))
            phi = Array(simulation.truth[.diseaseLogits].prefix(d.signatures * d.diseases * d.ages))
        }
    }

    private func summary(
        _ method: Method, seed: UInt64, fit: AladynFit, model: AladynModel, truth: Truth, prediction: AladynPrediction
    ) throws(AladynError) -> MethodSummary {
        let centred = try model.converted(fit.parameters, to: .centred)
        let d = model.dimensions
        let (k, p, dCount, t) = (d.signatures, d.covariates, d.diseases, d.ages)
        let psiHat = Array(centred[.diseaseOffsets].prefix(k * dCount))
        let match = AladynRecovery.matchSignatures(estimate: psiHat, truth: truth.psi, signatures: k, diseases: dCount)
        // Fitted signature j plays true signature match[j]: reorder the fit into the truth's order.
        var gamma = [Double](repeating: 0, count: p * k), psi = psiHat, phi = [Double](repeating: 0, count: k * dCount * t)
        let phiHat = centred[.diseaseLogits]
        for j in 0..<k {
            let target = match[j]
            for c in 0..<p { gamma[c * k + target] = centred.gamma[c * k + j] }
            for dd in 0..<dCount { psi[target * dCount + dd] = psiHat[j * dCount + dd] }
            for index in 0..<(dCount * t) { phi[target * dCount * t + index] = phiHat[phiHat.startIndex + j * dCount * t + index] }
        }
        let contrast = { (g: [Double]) in AladynRecovery.removingCovariateMeans(g, covariates: p, signatures: k) }
        return MethodSummary(
            method: method.rawValue, seed: seed,
            gammaCorrelation: AladynRecovery.correlation(gamma, truth.gamma),
            gammaSlope: AladynRecovery.slope(gamma, on: truth.gamma),
            gammaContrastCorrelation: AladynRecovery.correlation(contrast(gamma), contrast(truth.gamma)),
            gammaContrastSlope: AladynRecovery.slope(contrast(gamma), on: contrast(truth.gamma)),
            meanAbsGamma: gamma.reduce(0) { $0 + abs($1) } / Double(max(gamma.count, 1)),
            gammaRMSE: (zip(gamma, truth.gamma).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(max(gamma.count, 1))).squareRoot(),
            psiCorrelation: AladynRecovery.correlation(psi, truth.psi),
            phiCorrelation: AladynRecovery.correlation(phi, truth.phi),
            kappa: centred.kappa, loss: fit.loss, heldOutNLL: prediction.heldOutNLL, auc: prediction.auc,
            seconds: fit.seconds, gradientFlow: fit.gradientFlow)
    }
}
