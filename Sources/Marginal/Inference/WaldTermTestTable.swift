import Foundation

/// Wald χ² tests of each fixed-effect term of a generalized linear mixed model, as car's
/// `Anova(m, type = 3)` gives them for a `glmer` fit (Fox & Weisberg 2019, *An R Companion to
/// Applied Regression*, 3rd ed., §5.3.4): for the intercept and each term, with b the term's
/// coefficients and V their block of Cov(β̂),
///
///     χ² = bᵀ V⁻¹ b  on  dim b  degrees of freedom,
///
/// the test that every coefficient of the term is 0. As in car, the hypothesis of a term that is
/// contained in an interaction depends on the contrasts (use sum contrasts for SAS-like Type III
/// tests), and the χ² reference ignores the uncertainty in the covariance parameters.
public struct WaldTermTestTable: Sendable {
    public struct Row: Codable, Sendable, Equatable {
        public var term: String
        public var chisq: Double
        public var df: Int
        public var pValue: Double
    }

    /// The response, as car prints it under the heading.
    public var response: String
    public var rows: [Row]

    public static let heading = "Analysis of Deviance Table (Type III Wald chisquare tests)"

    /// The tests from β̂, its covariance (p × p) and R's `assign` and term labels
    /// (``FixedEffectsMatrix/assign``, ``FixedEffectsMatrix/terms``); nil where a term's block of
    /// the covariance is not positive definite.
    public init?(response: String, beta: [Double], covariance: [[Double]], terms: [String], assign: [Int]) {
        let p = beta.count
        guard covariance.count == p, covariance.allSatisfy({ $0.count == p }), assign.count == p else { return nil }
        let labels = ["(Intercept)"] + terms
        var rows: [Row] = []
        for t in labels.indices {
            let columns = assign.indices.filter { assign[$0] == t }
            guard !columns.isEmpty else { continue }
            let q = columns.count
            let block = columns.flatMap { j in columns.map { i in covariance[i][j] } }
            guard let inverse = CholeskyInverse.inverseOfPositiveDefinite(block, n: q) else { return nil }
            var chisq = 0.0
            for a in 0..<q { for b in 0..<q { chisq += beta[columns[a]] * inverse[a + b * q] * beta[columns[b]] } }
            rows.append(Row(term: labels[t], chisq: chisq, df: q, pValue: ChiSquared.upperTail(chisq, degreesOfFreedom: Double(q))))
        }
        self.response = response
        self.rows = rows
    }

    /// The table as car prints it: Chisq, Df and Pr(>Chisq) with R's significance stars.
    public func text() -> String {
        let table = TextTable(
            header: ["", "Chisq", "Df", "Pr(>Chisq)", ""],
            rows: rows.map { row in
                [row.term, NumberFormat.significant(row.chisq, 5), "\(row.df)", TermFTestTable.pValueText(row.pValue), LikelihoodRatioTable.stars(row.pValue)]
            },
            leftAligned: [0, 4])
        return [Self.heading, "", "Response: \(response)", table.render(), "---",
                "Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1"].joined(separator: "\n") + "\n"
    }

    /// `{"heading": …, "response": …, "terms": [rows]}`.
    public func json() throws -> String {
        struct Output: Encodable {
            let heading: String
            let response: String
            let terms: [Row]
        }
        return try JSONOutput.encode(Output(heading: Self.heading, response: response, terms: rows))
    }
}
