import ArgumentParser
import Foundation
import Marginal

/// `marginal anova`: likelihood-ratio tests between nested models saved by `marginal fit --json`,
/// as lme4's `anova(m0, m1, …)`, or for one linear model the F tests of its fixed-effect terms, as
/// lmerTest's `anova(m)`.
struct AnovaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "anova",
        abstract: "Tests of one model's fixed-effect terms (F tests as lmerTest's anova(m), Wald χ² for a GLMM as car's Anova), or likelihood-ratio tests between nested models (as lme4's anova(m0, m1)).",
        discussion: """
            With one fit of a linear mixed model: the Type III F test of each fixed-effect term, as \
            lmerTest's anova(m) ("Type III Analysis of Variance Table with Satterthwaite's method": \
            Sum Sq, Mean Sq, NumDF, DenDF, F value, Pr(>F)). The denominator degrees of freedom are \
            Satterthwaite's (the default) or, with --ddf kenward-roger, Kenward–Roger's with their \
            adjusted covariance (lmerTest's anova(m, ddf = "Kenward-Roger"), by pbkrtest; REML fits \
            only). A term's hypothesis is lmerTest's Type III: its contrasts orthogonal to those of \
            the terms containing it (a model with one term gets the Type I test, as lmerTest). The \
            model is refitted from its data file, by REML or ML as it was fitted (Satterthwaite's \
            test of an ML fit uses the ML fit, as lmerTest). A generalized model has no F tests \
            (lmerTest has none either): its terms get Wald χ² tests instead, as car's \
            Anova(m, type = 3) ("Analysis of Deviance Table (Type III Wald chisquare tests)", the \
            intercept included; a term's hypothesis depends on the contrasts, as in car).

            With two or more fits:
            Give two or more fits saved with `marginal fit … --json -o FILE`. The models are \
            ordered by their number of parameters; each row has AIC, BIC, the log-likelihood and \
            the deviance, and against the row before it the likelihood-ratio χ² on the difference \
            in parameters with its p value. As lme4 does, fits by REML are refitted by maximum \
            likelihood first (their REML criteria are not comparable when the fixed effects \
            differ), which reads the data file again: it must be unchanged since the fit.

            The χ² test needs nested models: a pair where the smaller model has a fixed effect or \
            a random-effect term that the larger one lacks gets no test, with a note saying which \
            (AIC and BIC still compare them). Fits to different data are refused.

            Example:
              marginal fit Examples/sleepstudy.csv -f 'Reaction ~ Days + (1 | Subject)' --json -o m0.json
              marginal fit Examples/sleepstudy.csv -f 'Reaction ~ Days + (Days | Subject)' --json -o m1.json
              marginal anova m0.json m1.json
              marginal anova m1.json --ddf kenward-roger
            """)

    @Argument(help: ArgumentHelp("Fits saved by `marginal fit --json`.", valueName: "FIT.json"))
    var fits: [String]

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    @Option(name: [.short, .long], help: ArgumentHelp("Write the result to FILE instead of standard output.", valueName: "FILE"))
    var output: String?

    @Flag(name: .long, help: "Do not say on stderr which fits are refitted by ML.")
    var quiet = false

    @Option(help: ArgumentHelp(
        "With one fit: the F tests' denominator degrees of freedom, satterthwaite (the default, as lmerTest) or kenward-roger (REML fits; as pbkrtest, O(n³), up to 4,000 rows).",
        valueName: "satterthwaite|kenward-roger"))
    var ddf: DenominatorDegreesOfFreedom?

    func validate() throws {
        guard !fits.isEmpty else { throw ValidationError("anova needs one saved fit (F tests of its terms) or two or more (likelihood-ratio tests)") }
        if ddf != nil && fits.count > 1 { throw ValidationError("--ddf applies to the F tests of one fit; likelihood-ratio tests between fits have no denominator degrees of freedom") }
        if ddf == DenominatorDegreesOfFreedom.none { throw ValidationError("--ddf is satterthwaite or kenward-roger for anova") }
    }

    func run() throws {
        try OutputDestination.validate(outputs: [("--output", output)], inputs: fits)
        let saved = try fits.map { path in (path, try SavedFit.load(path)) }
        for (path, fit) in saved where fit.model == nil {
            throw CommandError(description: "\(path) was saved without its data source (model); fit it again with marginal fit --json -o")
        }
        if saved.count == 1, let (path, fit) = saved.first, let source = fit.model {
            let text: String
            if fit.family != nil {
                guard ddf == nil else { throw CommandError(description: "--ddf applies to a linear model's F tests; \(path) is a generalized model, whose terms get Wald χ² tests") }
                let table = try Self.waldTests(path, source)
                text = json ? try table.json() : table.text()
            } else {
                let table = try Self.termTests(path, fit, source, method: ddf == .kenwardRoger ? .kenwardRoger : .satterthwaite)
                text = json ? try table.json() : table.text()
            }
            try OutputDestination(path: output).write(text)
            return
        }
        guard let first = saved.first?.1.model else { return }
        for (path, fit) in saved.dropFirst() {
            guard fit.model?.dataFingerprint == first.dataFingerprint, fit.nobs == saved[0].1.nobs, fit.response == saved[0].1.response else {
                throw CommandError(description: "\(path) and \(saved[0].0) were fitted to different data (\(Self.difference(fit, saved[0].1))); models compared by a likelihood-ratio test must be fitted to the same observations")
            }
        }
        var models: [LikelihoodRatioTable.Model] = []
        var refitted: [String] = []
        for (path, fit) in saved {
            let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            var logLikelihood = fit.logLik
            if fit.criterion == FitCriterion.reml.rawValue, let source = fit.model {
                logLikelihood = try Self.maximumLikelihood(source)
                refitted.append(name)
            }
            models.append(.init(name: name, formula: fit.formula, parameters: fit.parameterCount, logLikelihood: logLikelihood, observations: fit.nobs))
        }
        if !refitted.isEmpty && !quiet {
            FileHandle.standardError.write(Data("refitting \(refitted.joined(separator: ", ")) with ML (instead of REML)\n".utf8))
        }
        var table = LikelihoodRatioTable(models: models)
        var notes: [String] = []
        for i in table.rows.indices.dropFirst() {
            let smaller = table.rows[i - 1].name, larger = table.rows[i].name
            guard let missing = saved[table.order[i - 1]].1.termMissing(from: saved[table.order[i]].1) else { continue }
            table.dropTest(at: i)
            notes.append("\(smaller) and \(larger) are not nested (\(smaller) has \(missing), which \(larger) lacks): no likelihood-ratio test between them; compare AIC and BIC")
        }
        let dataName = URL(fileURLWithPath: first.data).deletingPathExtension().lastPathComponent
        let text = json ? try table.json(notes: notes) : table.text(dataName: dataName) + notes.map { "Note: \($0)\n" }.joined()
        try OutputDestination(path: output).write(text)
    }

    /// −2⁻¹ × the ML deviance of the model `source` describes, refitted from its data file.
    static func maximumLikelihood(_ source: ModelSource) throws -> Double {
        try LinearMixedModel(design: try reload(source).design).fit(criterion: .ml).logLikelihood
    }

    /// The F tests of the fixed-effect terms of the linear model saved at `path`, refitted from its
    /// data file by its criterion (lmerTest's `anova(m)`).
    static func termTests(_ path: String, _ fit: SavedFit, _ source: ModelSource, method: DegreesOfFreedomMethod) throws -> TermFTestTable {
        let (design, frame, options) = try reload(source)
        let model = try LinearMixedModel(design: design)
        let refit = try model.fit(criterion: fit.criterion == FitCriterion.ml.rawValue ? .ml : .reml)
        let hypotheses = try design.typeIIIHypotheses(formula: try Formula(source.formula), data: frame, options: options)
        do {
            return try model.termFTests(refit, hypotheses: hypotheses, method: method)
        } catch {
            throw CommandError(description: "\(path): \(error.description)")
        }
    }

    /// The Wald χ² tests of the terms of the generalized model saved at `path` (car's
    /// `Anova(m, type = 3)`), from its saved β̂ and covariance and its terms read again from the data.
    static func waldTests(_ path: String, _ source: ModelSource) throws -> WaldTermTestTable {
        let fit = try PredictCommand.load(path)
        let design = try reload(source).design
        let fixed = design.fixedEffects
        guard fixed.names == fit.fixef.map(\.name) else {
            throw CommandError(description: "\(path) has the fixed effects \(fit.fixef.map(\.name).joined(separator: ", ")), but its data give \(fixed.names.joined(separator: ", ")); fit it again")
        }
        guard let table = WaldTermTestTable(
            response: design.responseName, beta: fit.fixef.map(\.estimate), covariance: fit.vcov, terms: fixed.terms, assign: fixed.assign)
        else {
            throw CommandError(description: "\(path): the covariance of a term's coefficients is not positive definite; no Wald test")
        }
        return table
    }

    /// The design of the model `source` describes, read again from its data file (which must be
    /// unchanged since the fit), with the data and the design options.
    static func reload(_ source: ModelSource) throws -> (design: ModelDesign, frame: DataFrame, options: DesignOptions) {
        guard ModelSource.fingerprint(of: try CSVReader.fileBytes(path: source.data)) == source.dataFingerprint else {
            throw CommandError(description: "\(source.data) has changed since the fit: the model cannot be refitted on the same data; fit it again")
        }
        var (frame, options) = try PredictCommand.read(source.data, source: source)
        options.binaryFactorResponse = source.family.flatMap(ResponseFamilies.named)?.name == BinomialFamily().name
        return (try ModelDesign(formula: try Formula(source.formula), data: frame, options: options), frame, options)
    }

    /// What tells two fits' data apart, in words.
    static func difference(_ a: SavedFit, _ b: SavedFit) -> String {
        if a.response != b.response { return "responses \(a.response) and \(b.response)" }
        if a.nobs != b.nobs { return "\(a.nobs) and \(b.nobs) observations" }
        return "the data files differ: \(a.model?.data ?? "") and \(b.model?.data ?? "")"
    }
}

/// What `anova` reads from a fit saved by `marginal fit --json` (linear or generalized).
struct SavedFit: Decodable {
    struct Named: Decodable { var name: String }
    struct Component: Decodable {
        var group: String
        var names: [String]
    }

    var formula: String
    var criterion: String?
    var family: String?
    var logLik: Double
    var nobs: Int
    var fixef: [Named]
    var theta: [Double]
    var varcomp: [Component]
    var dispersion: Double?
    var model: ModelSource?

    static func load(_ path: String) throws -> SavedFit {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Inf", negativeInfinity: "-Inf", nan: "NaN")
        do {
            return try decoder.decode(SavedFit.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch let error as DecodingError {
            throw CommandError(description: "\(path) is not a fit saved by `marginal fit --json` (\(PredictableFit.describe(error)))")
        } catch {
            throw CommandError(description: "cannot read \(path): \(error.localizedDescription)")
        }
    }

    /// The response: the formula's left-hand side.
    var response: String { formula.split(separator: "~", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? formula }

    /// lme4's npar: β, θ, and σ for a linear model or the dispersion of a generalized one that has one.
    var parameterCount: Int { fixef.count + theta.count + (family == nil || dispersion != nil ? 1 : 0) }

    /// A fixed effect or random-effect column of this model that `other` lacks, in words, or nil.
    func termMissing(from other: SavedFit) -> String? {
        let fixed = Set(other.fixef.map(\.name))
        if let name = fixef.map(\.name).first(where: { !fixed.contains($0) }) { return "fixed effect '\(name)'" }
        let random = Set(other.varcomp.flatMap { component in component.names.map { "\(component.group)|\($0)" } })
        for component in varcomp {
            if let name = component.names.first(where: { !random.contains("\(component.group)|\($0)") }) {
                return "random effect '\(name)' by '\(component.group)'"
            }
        }
        return nil
    }
}
