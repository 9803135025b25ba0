import Foundation

/// lme4's `anova(m0, m1, …)` for models fitted by maximum likelihood to the same data: the
/// models in order of their number of parameters k, each with AIC = −2ℓ + 2k, BIC = −2ℓ + k log n,
/// ℓ and the deviance −2ℓ, and against the model before it the likelihood-ratio statistic
/// χ² = 2 max(0, ℓᵢ − ℓᵢ₋₁) on kᵢ − kᵢ₋₁ degrees of freedom with its upper-tail p value (Wilks
/// 1938). The test is valid for nested models; a variance component tested on its boundary makes
/// it conservative (Self & Liang 1987; Pinheiro & Bates 2000, §2.4), as in lme4.
public struct LikelihoodRatioTable: Sendable {
    /// One fitted model.
    public struct Model: Sendable {
        public var name: String
        public var formula: String
        /// Every estimated parameter: β, θ, and σ or a dispersion (lme4's `npar`).
        public var parameters: Int
        /// The maximized log-likelihood (ML, or the Laplace/quadrature approximation).
        public var logLikelihood: Double
        public var observations: Int

        public init(name: String, formula: String, parameters: Int, logLikelihood: Double, observations: Int) {
            self.name = name
            self.formula = formula
            self.parameters = parameters
            self.logLikelihood = logLikelihood
            self.observations = observations
        }
    }

    /// One row of the table; the test columns are nil on the first row and where the degrees of
    /// freedom do not grow.
    public struct Row: Codable, Sendable {
        public var name: String
        public var formula: String
        public var npar: Int
        public var aic: Double
        public var bic: Double
        public var logLik: Double
        public var deviance: Double
        public var chisq: Double?
        public var df: Int?
        public var pValue: Double?
    }

    public private(set) var rows: [Row]
    /// For each row, the index of its model among those given.
    public let order: [Int]

    /// The table of `models`, ordered by their number of parameters (ties keep their order).
    public init(models: [Model]) {
        order = models.indices.sorted { (models[$0].parameters, $0) < (models[$1].parameters, $1) }
        let ordered = order.map { models[$0] }
        var rows: [Row] = []
        for (i, model) in ordered.enumerated() {
            let k = Double(model.parameters), deviance = -2 * model.logLikelihood
            var row = Row(
                name: model.name, formula: model.formula, npar: model.parameters, aic: deviance + 2 * k,
                bic: deviance + k * log(Double(model.observations)), logLik: model.logLikelihood, deviance: deviance)
            if i > 0 {
                let previous = ordered[i - 1]
                let df = model.parameters - previous.parameters
                let chisq = 2 * max(0, model.logLikelihood - previous.logLikelihood)
                row.chisq = chisq
                row.df = df
                row.pValue = df > 0 ? ChiSquared.upperTail(chisq, degreesOfFreedom: Double(df)) : nil
            }
            rows.append(row)
        }
        self.rows = rows
    }

    /// Removes the test of row `i` against the row before it (models that are not nested).
    public mutating func dropTest(at i: Int) {
        rows[i].chisq = nil
        rows[i].df = nil
        rows[i].pValue = nil
    }

    /// The table as lme4 prints it: the models' formulas, then npar, AIC, BIC, logLik, deviance,
    /// Chisq, Df and Pr(>Chisq) with R's significance stars.
    public func text(dataName: String) -> String {
        var lines = ["Data: \(dataName)", "Models:"]
        lines += rows.map { "\($0.name): \($0.formula)" }
        let table = TextTable(
            header: ["", "npar", "AIC", "BIC", "logLik", "deviance", "Chisq", "Df", "Pr(>Chisq)", ""],
            rows: rows.map { row in
                [row.name, "\(row.npar)", NumberFormat.significant(row.aic, 5), NumberFormat.significant(row.bic, 5),
                 NumberFormat.significant(row.logLik, 5), NumberFormat.significant(row.deviance, 5),
                 row.chisq.map { NumberFormat.significant($0, 5) } ?? "", row.df.map { "\($0)" } ?? "",
                 row.pValue.map { String(format: "%.4g", $0) } ?? "", row.pValue.map(Self.stars) ?? ""]
            },
            leftAligned: [0, 9])
        lines.append(table.render())
        if rows.contains(where: { $0.pValue != nil }) {
            lines += ["---", "Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1"]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// R's significance stars for a p value.
    static func stars(_ p: Double) -> String {
        switch p {
        case ..<0.001: "***"
        case ..<0.01: "**"
        case ..<0.05: "*"
        case ..<0.1: "."
        default: ""
        }
    }

    /// `{"models": [rows], "notes": [...]}`, with the JSON conventions of every output.
    public func json(notes: [String] = []) throws -> String {
        struct Output: Encodable {
            let models: [Row]
            let notes: [String]
        }
        return try JSONOutput.encode(Output(models: rows, notes: notes))
    }
}
