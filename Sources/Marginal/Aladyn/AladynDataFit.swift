/// ALADYN fitted to data files (`marginal aladyn EVENTS.csv COVARIATES.csv`): the model of
/// ``AladynDataSet``'s outcomes and covariates with the logit prevalence smoothed from the data
/// (``AladynPrevalence``), K signatures with the parameter-recovery notebook's references r_k
/// evenly spaced on [−1, 1], the published start from the data alone (``AladynInitialization``)
/// and one joint-MAP arm (``AladynExample/Method``).
public struct AladynDataFit: Sendable, Codable, Equatable {
    public var method: String
    public var dimensions: AladynDimensions
    public var priorWeight: Double
    public var epochs: Int
    /// The published loss at the end (the same function in either form).
    public var loss: Double
    public var kappa: Double
    public var covariateNames: [String]
    public var diseaseLabels: [String]
    /// γ̂, P × K (covariate-major), and ψ̂, (K + 1) × D (the healthy signature last).
    public var gamma: [Double]
    public var psi: [Double]
    public var iterations: Int
    public var seconds: Double
    public var gradientFlow: AladynGradientFlow

    public init(
        data: AladynDataSet, signatures: Int, method: AladynExample.Method = .map, epochs: Int = 300, learningRate: Double = 0.1,
        priorWeight: Double = 1e-4, lbfgsEvaluations: Int = 1000, seed: UInt64 = 1, progress: ((String) -> Void)? = nil
    ) throws(AladynError) {
        guard signatures >= 1, signatures <= data.outcomes.diseases else {
            throw .invalidValue(what: "the number of signatures", value: "\(signatures)", requirement: "between 1 and the \(data.outcomes.diseases) diseases")
        }
        let model = try AladynModel(
            outcomes: data.outcomes, covariates: data.covariates, covariateCount: data.covariateNames.count,
            logitPrevalence: AladynPrevalence.smoothedLogit(data.outcomes), signatureReferences: AladynModel.evenlySpacedReferences(signatures: signatures),
            priorWeight: priorWeight)
        let start = try AladynInitialization.published(model, form: .centred, seed: seed)
        let fit = try method.fit(
            model, start: start, epochs: epochs, learningRate: learningRate, lbfgsEvaluations: lbfgsEvaluations, progress: progress)
        let centred = try model.converted(fit.parameters, to: .centred)
        self.method = method.rawValue
        dimensions = model.dimensions
        self.priorWeight = priorWeight
        self.epochs = epochs
        loss = fit.loss
        kappa = centred.kappa
        covariateNames = data.covariateNames
        diseaseLabels = data.diseaseLabels
        gamma = centred.gamma
        psi = centred.psi
        iterations = fit.iterations
        seconds = fit.seconds
        gradientFlow = fit.gradientFlow
    }
}

extension AladynDataFit {
    /// The terminal's report: the loss, κ̂, γ̂ by covariate and signature, and the gradient flow
    /// (ψ̂ is in the JSON).
    public var text: String {
        func f(_ x: Double) -> String { NumberFormat.significant(x, 3) }
        let d = dimensions
        let k = d.signatures
        let gammaTable = TextTable(
            header: ["covariate"] + (0..<k).map { "signature \($0 + 1)" },
            rows: covariateNames.enumerated().map { c, name in [name] + (0..<k).map { f(gamma[c * k + $0]) } })
        let flow = TextTable(
            header: ["block", "|d lik| start", "|d prior| start", "|d lik| end", "|d prior| end"],
            rows: gradientFlow.rows.map { [$0.block, f($0.likelihoodStart), f($0.priorStart), f($0.likelihoodEnd), f($0.priorEnd)] })
        return """
            ALADYN fit by \(method): N = \(d.individuals), D = \(d.diseases), T = \(d.ages), K = \(k) + 1, P = \(d.covariates); \
            W = \(priorWeight); \(iterations) iterations, \(NumberFormat.significant(seconds, 3)) s

            loss (the published objective) \(NumberFormat.significant(loss, 8)), kappa \(f(kappa))

            gamma-hat (each covariate's effect on each signature's prior mean):
            \(gammaTable.render(indent: "  "))

            Gradient flow (norms of the likelihood's and the prior term's gradient per block):
            \(flow.render(indent: "  "))
            """
    }
}
