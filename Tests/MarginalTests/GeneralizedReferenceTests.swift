import Foundation
import Testing
@testable import Marginal

/// Generalized linear mixed models by the Laplace approximation against lme4's `glmer` and
/// glmmTMB on lme4's cbpp data (Fixtures/reference/glmm/make_glmm_references.R prints the
/// numbers). lme4 is run with `tolPwrss = 1e-12`: at its default 1e-7 its Laplace deviance carries
/// the log-determinant at weights one PIRLS step behind the mode (184.0531328 against the exact
/// 184.0525637 for the logit model, which lme4 with the tight tolerance, glmmTMB and Marginal
/// agree on to 1e-10).
@Suite struct GeneralizedReferenceTests {
    struct Reference: Sendable {
        let name: String
        var file = "cbpp"
        var factors = ["period"]
        let formula: String
        let family: String
        let link: Link
        let deviance: Double
        /// The SDs of the terms, in the fit's order of variance components.
        let sds: [Double]
        let beta: [Double]
        /// Hessian-based standard errors (nil where they are not compared).
        let standardErrors: [Double]?
        /// Whether the response is a two-level factor (read as 0/1).
        var factorResponse = false
    }

    static let references: [Reference] = [
        Reference(
            name: "logit", formula: "cbind(incidence, size - incidence) ~ period + (1 | herd)", family: "binomial", link: .logit,
            deviance: 184.052563729523, sds: [0.6422616722],
            beta: [-1.3985324664, -0.9923322929, -1.1286712975, -1.5803136871],
            standardErrors: [0.2324733854, 0.3066414824, 0.3266375665, 0.4274378166]),
        // For a non-canonical link the Laplace deviance depends on which information enters its
        // log-determinant: lme4 (and Marginal) use PIRLS's expected information, glmmTMB the
        // observed one (185.1667), so the reference is lme4's (SEs from its `vcov`).
        Reference(
            name: "probit", formula: "cbind(incidence, size - incidence) ~ period + (1 | herd)", family: "binomial", link: .probit,
            deviance: 185.242446757833, sds: [0.3380006230],
            beta: [-0.8354780798, -0.5280387702, -0.6168865436, -0.7995707968],
            standardErrors: [0.12623837, 0.16060456, 0.16947705, 0.20469928]),
        Reference(
            name: "poisson with offset", formula: "incidence ~ period + offset(log(size)) + (1 | herd)", family: "poisson", link: .log,
            deviance: 180.483295412707, sds: [0.4915791413],
            beta: [-1.6483648973, -0.8440633158, -0.9662877154, -1.3910466613],
            standardErrors: [0.1938592112, 0.2845330261, 0.3055189941, 0.4091874910]),
        // lme4's grouseticks with an observation-level random effect (INDEX); glmmTMB's deviance,
        // β and standard errors (lme4's finite-difference Hessian gives 0.00349 for cHEIGHT's SE
        // against glmmTMB's and Marginal's 0.003439).
        Reference(
            name: "poisson, observation-level effect", file: "grouseticks", factors: ["YEAR"],
            formula: "TICKS ~ YEAR + cHEIGHT + (1 | BROOD) + (1 | INDEX) + (1 | LOCATION)", family: "poisson", link: .log,
            deviance: 1780.5426601759, sds: [0.5415002547, 0.7500623915, 0.5286915794],
            beta: [0.3784998786, 1.1804140513, -0.9786919989, -0.0237606518],
            standardErrors: [0.1963657065, 0.2381276124, 0.2627885831, 0.0034385013]),
        // Simulated (Examples/binary_crossed.csv, binary_slopes.csv; Benchmarks/peers/simulate_glmm.py
        // and the seeded script in Examples/README.md): glmmTMB's deviance and β, lme4's SEs.
        Reference(
            name: "crossed binary", file: "binary_crossed", factors: [],
            formula: "y ~ x1 + x2 + x3 + (1 | g1) + (1 | g2)", family: "binomial", link: .logit,
            deviance: 2479.1539098286, sds: [0.7969841608, 0.3967355233],
            beta: [-0.4477015626, 0.3120311427, -0.3101676757, 0.2192261342],
            standardErrors: [0.1302568656, 0.0531268171, 0.0536971578, 0.0517210178]),
        Reference(
            name: "binary random slope", file: "binary_slopes", factors: [],
            formula: "y ~ x + (1 + x | g)", family: "binomial", link: .logit,
            deviance: 1508.0845476698, sds: [0.7049167673, 0.4423613690],
            beta: [-0.3122582148, 0.6348874898], standardErrors: [0.1134260444, 0.0946909343]),
        // lme4's VerbAgg, crossed (316 subjects × 24 items, 7,584 rows): glmmTMB's deviance, SDs, β
        // and SEs. glmer at its default settings stops with β up to 9e-4 (relative) away; with rhoend = 1e-10
        // it reaches the same deviance (8151.39971975) and β to 1e-5.
        Reference(
            name: "VerbAgg", file: "VerbAgg", factors: [],
            formula: "r2 ~ Anger + Gender + btype + situ + (1 | id) + (1 | item)", family: "binomial", link: .logit,
            deviance: 8151.39971976, sds: [1.3397042277, 0.4953063665],
            beta: [0.199064800761, 0.0574289025219, 0.320717428727, -1.05880371722, -2.10539042201, -1.05545572340],
            standardErrors: [0.406533029386, 0.0168388408026, 0.191927045888, 0.257284486774, 0.259468285255, 0.210783090248],
            factorResponse: true),
    ]

    /// The design of `formula` on Examples/`file`.csv with `factors` read as categorical.
    static func design(_ formula: String, file: String = "cbpp", factors: [String] = ["period"], factorResponse: Bool = false) throws -> ModelDesign {
        var options = CSVOptions()
        options.factorColumns = Set(factors)
        let data = try CSVReader.read(path: "Examples/\(file).csv", options: options)
        var designOptions = DesignOptions()
        designOptions.binaryFactorResponse = factorResponse
        return try ModelDesign(formula: formula, data: data, options: designOptions)
    }

    /// lme4's cbpp model, the logit reference's design.
    static func cbppModel() throws -> GeneralizedLinearMixedModel {
        try GeneralizedLinearMixedModel(design: design(references[0].formula), family: BinomialFamily())
    }

    /// The model of `reference`.
    static func model(_ reference: Reference) throws -> GeneralizedLinearMixedModel {
        let design = try design(reference.formula, file: reference.file, factors: reference.factors, factorResponse: reference.factorResponse)
        let family = try #require(ResponseFamilies.named(reference.family))
        return try GeneralizedLinearMixedModel(design: design, family: family, link: reference.link)
    }

    static func fit(_ reference: Reference) throws -> GeneralizedLinearMixedModelFit {
        try model(reference).fit()
    }

    @Test(arguments: references.map(\.name))
    func matchesReference(_ name: String) throws {
        let reference = try #require(Self.references.first { $0.name == name })
        let fit = try Self.fit(reference)
        // The deviance within 1e-8 relative, or lower.
        #expect(fit.objective - reference.deviance <= 1e-8 * reference.deviance, "\(fit.objective) vs \(reference.deviance)")
        #expect(abs(fit.objective - reference.deviance) <= 1e-6 * reference.deviance)
        for (sd, expected) in zip(fit.varianceComponents.flatMap(\.standardDeviations), reference.sds) {
            #expect(relativeError(sd, expected) < 1e-4, "SD \(sd) vs \(expected)")
        }
        for (estimate, expected) in zip(fit.fixedEffects.map(\.estimate), reference.beta) {
            #expect(relativeError(estimate, expected) < 1e-4, "β \(estimate) vs \(expected)")
        }
        if let errors = reference.standardErrors {
            for (estimate, expected) in zip(fit.fixedEffects.map(\.standardError), errors) {
                #expect(relativeError(estimate, expected) < 1e-4, "SE \(estimate) vs \(expected)")
            }
        }
        #expect(fit.converged && !fit.isSingular && fit.warnings.isEmpty, "\(fit.warnings)")
        #expect(fit.degreesOfFreedom == reference.beta.count + fit.theta.count)
    }

    /// Conditional modes and SDs (`ranef(condVar = TRUE)`), fitted values, Pearson and deviance
    /// residuals of the first herds and rows against lme4 (`tolPwrss = 1e-12`).
    @Test func modesAndResidualsMatchLme4() throws {
        let fit = try Self.fit(Self.references[0])
        let checks: [([Double], [Double])] = [
            ((0..<4).map { fit.randomEffects[0].modes[$0, 0] }, [0.5900206649, -0.2989034142, 0.4062543780, 0.0392745849]),
            ((0..<4).map { fit.randomEffects[0].conditionalSD[$0, 0] }, [0.3482658667, 0.3655597692, 0.2973190198, 0.4163901753]),
            (Array(fit.pearsonResiduals.prefix(4)), [-1.3398627260, 1.0750978882, 2.8795976284, -0.6772637252]),
            (Array(fit.devianceResiduals.prefix(4)), [-1.4380330717, 0.9887200786, 2.3569872852, -0.9368576046]),
            (Array(fit.fitted.prefix(4)), [0.3082078025, 0.1417503930, 0.1259584828, 0.0840286729]),
        ]
        for (values, expected) in checks {
            for (value, reference) in zip(values, expected) { #expect(relativeError(value, reference) < 1e-4, "\(value) vs \(reference)") }
        }
    }

    /// At θ = 0 the model is a generalized linear model: PIRLS with β free reaches R's `glm`
    /// estimate and its −2 log-likelihood (198.0583990, coefficients from `glm`).
    @Test func pirlsAtZeroThetaIsTheGLM() throws {
        let model = try Self.cbppModel()
        var core = model.withFixedEffects
        var state = model.startingState
        try model.pirls(&core, theta: [0], state: &state, holdingBeta: false)
        for (estimate, expected) in zip(state.beta, [-1.269023, -1.170763, -1.301405, -1.782279]) {
            #expect(abs(estimate - expected) < 1e-6)
        }
        #expect(abs(model.laplaceDeviance(core, state: state) - 2 * 99.0292) < 1e-3)
    }

    /// The score ∂ log p/∂η of each family and link against central differences of the log-likelihood.
    @Test(arguments: [("binomial", Link.logit), ("binomial", .probit), ("binomial", .cloglog), ("poisson", .log)])
    func scoreMatchesFiniteDifferences(_ name: String, _ link: Link) throws {
        let family = try #require(ResponseFamilies.named(name))
        let cases: [(y: Double, weight: Double, eta: Double)] = name == "poisson"
            ? [(0, 1, -0.3), (3, 1, 1.2), (7, 2, 0.4)] : [(0, 1, -0.3), (1, 1, 0.8), (0.4, 5, 0.2)]
        for c in cases {
            let h = 1e-6
            let numeric = (family.logLikelihood(c.y, link.mean(c.eta + h), weight: c.weight)
                - family.logLikelihood(c.y, link.mean(c.eta - h), weight: c.weight)) / (2 * h)
            #expect(abs(family.score(c.y, eta: c.eta, link: link, weight: c.weight) - numeric) < 1e-6 * max(1, abs(numeric)))
        }
    }

    /// nAGQ = 25 against lme4 (`tolPwrss = 1e-12`). lme4's nAGQ > 1 deviance is relative to the
    /// saturated model: 100.0100305488 + (−2 Σ log dbinom(k, m, k/m) = 83.956707537872) = 183.966738086657.
    @Test func adaptiveQuadratureMatchesLme4() throws {
        let fit = try Self.cbppModel().fit(nAGQ: 25)
        #expect(fit.objective - 183.966738086657 <= 1e-8 * 183.97)
        #expect(abs(fit.objective - 183.966738086657) <= 1e-6 * 183.97)
        #expect(relativeError(fit.varianceComponents[0].standardDeviations[0], 0.647513140511) < 1e-4)
        for (estimate, expected) in zip(fit.fixedEffects.map(\.estimate), [-1.399225509011, -0.991390064889, -1.127834106007, -1.579443192995]) {
            #expect(relativeError(estimate, expected) < 1e-4)
        }
        for (estimate, expected) in zip(fit.fixedEffects.map(\.standardError), [0.233510067060, 0.306766749226, 0.326769680006, 0.427590090086]) {
            #expect(relativeError(estimate, expected) < 1e-4)
        }
    }

    /// At a fixed (θ, β): one quadrature point is the Laplace deviance, and 15 points agree to
    /// 1e-8 with a brute-force trapezoid rule on 8,001 points over u ∈ [−12, 12] per herd.
    @Test func adaptiveQuadratureAgreesWithBruteForce() throws {
        let model = try Self.cbppModel()
        let design = model.design
        let theta = [0.9], beta = [-1.3, -1.0, -1.1, -1.6]
        var core = model.effectsOnly
        var state = model.startingState
        state.beta = beta
        try model.pirls(&core, theta: theta, state: &state, holdingBeta: true)
        let laplace = model.laplaceDeviance(core, state: state)
        let one = try AdaptiveQuadrature(model: model, points: 1).deviance(model, core: core, state: state)
        #expect(abs(one - laplace) < 1e-10 * laplace)
        let fifteen = try AdaptiveQuadrature(model: model, points: 15).deviance(model, core: core, state: state)
        // Brute force: log ∫ Πᵢ p(yᵢ | Xβ + θu) φ(u) du per herd.
        let x = design.fixedEffects.matrix
        let codes = model.blocks[0].codes
        let herds = model.blocks[0].levelCount
        let grid = (0...8000).map { -12 + 24 * Double($0) / 8000 }
        var total = 0.0
        for herd in 0..<herds {
            let rows = codes.indices.filter { Int(codes[$0]) == herd }
            let logValues = grid.map { u in
                rows.reduce(-0.5 * u * u - 0.5 * log(2 * Double.pi)) { sum, i in
                    let eta = (0..<4).reduce(theta[0] * u) { $0 + x[i, $1] * beta[$1] }
                    return sum + model.family.logLikelihood(design.response[i], model.link.mean(eta), weight: model.priorWeights[i])
                }
            }
            let top = logValues.max() ?? 0
            let h = 24.0 / 8000
            let integral = logValues.enumerated().reduce(0.0) { $0 + ($1.offset == 0 || $1.offset == 8000 ? 0.5 : 1) * exp($1.element - top) } * h
            total -= 2 * (top + log(integral))
        }
        #expect(abs(fifteen - total) < 1e-8 * total, "\(fifteen) vs \(total)")
        #expect(abs(laplace - total) > 1e-6 * total)
    }

    /// Crossed factors do not factorize: refused with the reason, as a point count out of range.
    @Test func quadratureIsRefusedWhereItDoesNotApply() throws {
        let design = try Self.design("y ~ x1 + (1 | g1) + (1 | g2)", file: "binary_crossed", factors: [])
        let model = try GeneralizedLinearMixedModel(design: design, family: BinomialFamily())
        #expect {
            try model.fit(nAGQ: 5)
        } throws: { error in
            guard case .quadratureNotApplicable(let reason)? = error as? MixedModelError else { return false }
            return reason.contains("crossed") && reason.contains("(1 | a/b)")
        }
        #expect(throws: MixedModelError.self) { try model.fit(nAGQ: 0) }
    }

    /// `compare` takes the generalized model through the MixedModel protocol: ML by Laplace, no σ,
    /// and a method that does not apply fails with a reason while the others run.
    @Test func compareTakesTheGeneralizedModel() throws {
        let model: any MixedModel = try Self.cbppModel()
        let comparison = model.compare([.ml, .reml])
        let ml = try #require(comparison.results.first?.estimates)
        #expect(ml.sigma == nil)
        #expect(relativeError(try #require(comparison.results.first?.objective), Self.references[0].deviance) < 1e-8)
        for (estimate, expected) in zip(ml.beta, Self.references[0].beta) { #expect(relativeError(estimate, expected) < 1e-4) }
        #expect(comparison.results[1].estimates == nil && comparison.results[1].warnings.first?.contains("reml failed") == true)
        let report = ComparisonReport(comparison)
        #expect(report.methods[0].sigma == nil && report.text.contains("sd[herd][(Intercept)]") && !report.text.contains("\nsigma"))
    }

    /// `compare`'s ML row follows the quadrature points it is given (cbpp, nAGQ = 25: lme4's value
    /// above), and sampling a generalized model with its effects drawn centred (not written) is
    /// refused.
    @Test func compareTakesQuadraturePointsAndSamplingIsRefused() throws {
        let model: any MixedModel = try Self.cbppModel()
        let comparison = model.compare([.ml], settings: ComparisonSettings(quadraturePoints: 25))
        #expect(abs(try #require(comparison.results.first?.objective) - 183.966738086657) <= 1e-6 * 183.97)
        #expect(throws: BayesianError.self) {
            try model.samplePosterior(PosteriorRequest(strategy: .marginalizeNone(.centered)), progress: nil)
        }
    }

    /// Examples/binary_slopes.csv with y = 1 exactly where x > 0, `y ~ x + (1 | g)`.
    static func separatedModel() throws -> GeneralizedLinearMixedModel {
        let data = try CSVReader.read(path: "Examples/binary_slopes.csv")
        var design = try ModelDesign(formula: "y ~ x + (1 | g)", data: data)
        let x = design.fixedEffects.matrix
        design.response = (0..<design.nobs).map { x[$0, 1] > 0 ? 1 : 0 }
        return try GeneralizedLinearMixedModel(design: design, family: BinomialFamily())
    }

    /// y = 1 exactly where x > 0: no finite estimate, and the error names x.
    @Test func completeSeparationIsRefusedNamingTheFixedEffect() throws {
        let model = try Self.separatedModel()
        #expect {
            try model.fit()
        } throws: { error in
            guard case .separation(let name, _)? = error as? MixedModelError else { return false }
            return name == "x"
        }
    }

    /// Separated data have no Laplace fit to centre the partial form at: auto samples every effect
    /// non-centred and says why (the posterior is proper under the default normal prior on x);
    /// the partial form named explicitly is refused.
    @Test func samplingSeparatedDataFallsBackToTheNonCentredForm() throws {
        let model = try Self.separatedModel()
        let settings = SamplerSettings(chains: 1, warmup: 100, draws: 50, seed: 3)
        let sample = try model.samplePosterior(PosteriorRequest(settings: settings, recover: false), progress: nil)
        #expect(sample.strategy == .marginalizeNone(.nonCentered))
        #expect(sample.warnings.first?.contains("Laplace fit") == true, "\(sample.warnings)")
        #expect(throws: BayesianError.self) {
            try model.samplePosterior(PosteriorRequest(strategy: .marginalizeNone(.partial), settings: settings), progress: nil)
        }
    }

    /// A two-level factor response is read as R's binomial reads it (first level 0), and fits as the
    /// 0/1 column does; without `binaryFactorResponse` it stays an error.
    @Test func twoLevelFactorResponse() throws {
        let data = try CSVReader.read(path: "Examples/binary_slopes.csv")
        guard case .numeric(let column) = try data.column("y") else { Issue.record("y is not numeric"); return }
        let y = column.values
        let labelled = try DataFrame([
            ("outcome", .categorical(CategoricalColumn(labels: y.map { $0 == 1 ? "yes" : "no" }))),
            ("x", try data.column("x")), ("g", try data.column("g")),
        ])
        var options = DesignOptions()
        options.binaryFactorResponse = true
        let design = try ModelDesign(formula: "outcome ~ x + (1 | g)", data: labelled, options: options)
        #expect(design.response == y)
        #expect(throws: FormulaError.self) { try ModelDesign(formula: "outcome ~ x + (1 | g)", data: labelled) }
    }

    @Test func invalidResponsesAreNamed() throws {
        let data = try CSVReader.read(path: "Examples/cbpp.csv")
        let design = try ModelDesign(formula: "size ~ period + (1 | herd)", data: data)
        #expect(throws: MixedModelError.self) { try GeneralizedLinearMixedModel(design: design, family: BinomialFamily()) }
        let counts = try ModelDesign(formula: "I(incidence / 2) ~ period + (1 | herd)", data: data)
        #expect(throws: MixedModelError.self) { try GeneralizedLinearMixedModel(design: counts, family: PoissonFamily()) }
        let cbind = try ModelDesign(formula: "cbind(incidence, size - incidence) ~ period + (1 | herd)", data: data)
        #expect(throws: MixedModelError.binomialResponseNeedsFamily) { try LinearMixedModel(design: cbind) }
        #expect(throws: MixedModelError.self) { try GeneralizedLinearMixedModel(design: cbind, family: PoissonFamily(), link: .logit) }
    }
}
