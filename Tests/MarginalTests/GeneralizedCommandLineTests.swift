import Foundation
import Testing

/// `marginal fit --family …` on every bundled generalized example: a `summary(glmer)` layout on
/// stdout, JSON with the generalized keys, the reference deviance (GeneralizedReferenceTests has
/// the sources), and a clear refusal with a non-zero status where no fit applies.
@Suite struct GeneralizedCommandLineTests {
    struct Example: Sendable, CustomStringConvertible {
        let file: String
        let formula: String
        let options: [String]
        /// −2 log-likelihood of the reference (glmmTMB, or lme4 with tight PIRLS).
        let deviance: Double
        var description: String { file }
    }

    static let examples = [
        Example(
            file: "cbpp", formula: "cbind(incidence, size - incidence) ~ period + (1 | herd)",
            options: ["--family", "binomial", "--factor", "period"], deviance: 184.052563729523),
        Example(
            file: "grouseticks", formula: "TICKS ~ YEAR + cHEIGHT + (1 | BROOD) + (1 | INDEX) + (1 | LOCATION)",
            options: ["--family", "poisson", "--factor", "YEAR"], deviance: 1780.5426601759),
        Example(
            file: "binary_crossed", formula: "y ~ x1 + x2 + x3 + (1 | g1) + (1 | g2)",
            options: ["--family", "bernoulli"], deviance: 2479.1539098286),
        Example(file: "binary_slopes", formula: "y ~ x + (1 + x | g)", options: ["--family", "bernoulli"], deviance: 1508.0845476698),
        Example(
            file: "VerbAgg", formula: "r2 ~ Anger + Gender + btype + situ + (1 | id) + (1 | item)",
            options: ["--family", "binomial", "--factor", "id"], deviance: 8151.3997197561),
    ]

    @Test(arguments: examples)
    func fitPrintsSummaryAndJSON(_ example: Example) throws {
        let arguments = ["fit", "Examples/\(example.file).csv", "-f", example.formula, "--quiet"] + example.options
        let text = try CommandLineTests.marginal(arguments)
        #expect(text.status == 0, "\(text.stderr)")
        for heading in ["Generalized linear mixed model fit by maximum likelihood (Laplace Approximation)", "Family:",
                        "AIC", "df.resid", "Scaled residuals:", "Random effects:", "Fixed effects:", "Pr(>|z|)"] {
            #expect(text.stdout.contains(heading), "missing \(heading)")
        }
        let run = try CommandLineTests.marginal(arguments + ["--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        for key in ["family", "link", "nAGQ", "dispersion", "objective", "logLik", "fixef", "theta", "varcomp", "ranef",
                    "fitted", "linearPredictor", "pearsonResiduals", "devianceResiduals", "converged", "evaluations"] {
            #expect(json[key] != nil, "missing \(key)")
        }
        let objective = try #require(json["objective"] as? Double)
        #expect(objective - example.deviance <= 1e-8 * example.deviance, "\(objective) vs \(example.deviance)")
    }

    @Test func unusableRequestsAreRefused() throws {
        let crossed = try CommandLineTests.marginal([
            "fit", "Examples/binary_crossed.csv", "-f", "y ~ x1 + (1 | g1) + (1 | g2)", "--family", "bernoulli", "--nagq", "5"])
        #expect(crossed.status != 0 && crossed.stderr.contains("quadrature") && crossed.stdout.isEmpty, "\(crossed.stderr)")
        let family = try CommandLineTests.marginal(["fit", "Examples/cbpp.csv", "-f", "incidence ~ period + (1 | herd)", "--family", "binomal"])
        #expect(family.status != 0 && family.stderr.contains("--family"), "\(family.stderr)")
        let counts = try CommandLineTests.marginal(["fit", "Examples/sleepstudy.csv", "-f", "Reaction ~ Days + (1 | Subject)", "--family", "poisson"])
        #expect(counts.status != 0 && counts.stderr.contains("row"), "\(counts.stderr)")
    }
}
