import Foundation

/// lmerTest's `anova(m)` for one linear mixed model: an F test of each fixed-effect term's
/// hypothesis Lβ = 0 (``ModelDesign/typeIIIHypotheses(formula:data:options:)``), with
/// Satterthwaite's denominator degrees of freedom (``LinearMixedModel/satterthwaiteFTest(_:contrast:)``)
/// or Kenward–Roger's (``KenwardRoger``), as lmerTest's `contestMD` (Kuznetsova, Brockhoff &
/// Christensen 2017, *J. Stat. Softw.* 82(13), §3–4). Each row has
///
///     Mean Sq = F σ̂²,  Sum Sq = q · Mean Sq,
///
/// with F the Wald statistic (Lβ̂)ᵀ(LVLᵀ)⁻¹(Lβ̂)/q and q = NumDF; for Kenward–Roger V is the adjusted
/// Φ_A and the F value printed is the scaled λF referred to F(q, m), while the mean square keeps
/// the unscaled F (as lmerTest's `mk_Ftable`).
public struct TermFTestTable: Sendable {
    /// One term's test; the numbers are nil (R's NA) for a term with nothing to test.
    public struct Row: Encodable, Sendable {
        public var term: String
        @NullWhenAbsent public var sumSq: Double?
        @NullWhenAbsent public var meanSq: Double?
        @NullWhenAbsent public var numDF: Int?
        @NullWhenAbsent public var denDF: Double?
        @NullWhenAbsent public var fValue: Double?
        @NullWhenAbsent public var pValue: Double?

        public init(term: String, sumSq: Double? = nil, meanSq: Double? = nil, numDF: Int? = nil, denDF: Double? = nil, fValue: Double? = nil, pValue: Double? = nil) {
            self.term = term
            self.sumSq = sumSq
            self.meanSq = meanSq
            self.numDF = numDF
            self.denDF = denDF
            self.fValue = fValue
            self.pValue = pValue
        }
    }

    public var method: DegreesOfFreedomMethod
    public var rows: [Row]

    /// lmerTest's heading: "Type III Analysis of Variance Table with Satterthwaite's method".
    public var heading: String { "Type III Analysis of Variance Table with \(method.rawValue)'s method" }

    /// The table as lmerTest prints it: Sum Sq, Mean Sq, NumDF, DenDF, F value and Pr(>F) with
    /// R's significance stars (5 significant digits, F to 4 decimals and p values to 4 digits, as
    /// R's `printCoefmat`).
    public func text() -> String {
        let table = TextTable(
            header: ["", "Sum Sq", "Mean Sq", "NumDF", "DenDF", "F value", "Pr(>F)", ""],
            rows: rows.map { row in
                let number = { (x: Double?) in x.map { NumberFormat.significant($0, 5) } ?? "NA" }
                return [row.term, number(row.sumSq), number(row.meanSq), row.numDF.map { "\($0)" } ?? "NA", number(row.denDF),
                        row.fValue.map { NumberFormat.fixed($0, 4) } ?? "NA", row.pValue.map(Self.pValueText) ?? "NA", row.pValue.map(LikelihoodRatioTable.stars) ?? ""]
            },
            leftAligned: [0, 7])
        var lines = [heading, table.render()]
        if rows.contains(where: { $0.pValue != nil }) {
            lines += ["---", "Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1"]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// R's `format.pval` at 4 digits as `printCoefmat` calls it: below the double precision ε, "<2e-16".
    static func pValueText(_ p: Double) -> String {
        p < Double.ulpOfOne ? "<2e-16" : String(format: "%.4g", p)
    }

    /// `{"heading": …, "method": …, "terms": [rows]}`, NA as null.
    public func json() throws -> String {
        struct Output: Encodable {
            let heading: String
            let method: DegreesOfFreedomMethod
            let terms: [Row]
        }
        return try JSONOutput.encode(Output(heading: heading, method: method, terms: rows))
    }
}

extension LinearMixedModel {
    /// The F test of each hypothesis at `fit` (see ``TermFTestTable``). Kenward–Roger's needs a
    /// REML fit without prior weights (``KenwardRogerError``); Satterthwaite's works on REML and ML
    /// fits, as lmerTest's. A hypothesis with no rows, or whose test cannot be computed (a singular
    /// L V Lᵀ, a boundary fit whose curvature is lost), gets a row of NA.
    public func termFTests(
        _ fit: LinearMixedModelFit, hypotheses: [TermHypothesis], method: DegreesOfFreedomMethod
    ) throws(KenwardRogerError) -> TermFTestTable {
        let s2 = fit.sigma * fit.sigma
        let beta = fit.fixedEffects.map(\.estimate)
        let test: (Matrix) -> (unscaled: Double, f: Double, q: Int, ddf: Double, p: Double)?
        switch method {
        case .satterthwaite:
            let moments = SatterthwaiteMoments(model: self, fit: fit)
            test = { l in moments?.fTest(l, beta: beta).map { ($0.statistic, $0.statistic, $0.numerator, $0.denominator, $0.pValue) } }
        case .kenwardRoger:
            let kr = try KenwardRoger(model: self, fit: fit)
            test = { l in
                (try? kr.test(l)).map { ($0.statistic / $0.scaling, $0.statistic, $0.numeratorDegreesOfFreedom, $0.denominatorDegreesOfFreedom, $0.pValue) }
            }
        }
        let rows = hypotheses.map { hypothesis in
            guard hypothesis.contrast.rows > 0, let result = test(hypothesis.contrast) else { return TermFTestTable.Row(term: hypothesis.term) }
            let meanSquare = result.unscaled * s2
            return TermFTestTable.Row(
                term: hypothesis.term, sumSq: meanSquare * Double(result.q), meanSq: meanSquare, numDF: result.q,
                denDF: result.ddf, fValue: result.f, pValue: result.p)
        }
        return TermFTestTable(method: method, rows: rows)
    }
}
