import Foundation
import Testing
@testable import Marginal

/// Linear mixed models with glmmTMB's covariance structures against glmmTMB 1.1.5, polished to a
/// gradient below 1e-9 (Fixtures/reference/structured/make_structured_references.R writes the
/// data sets and prints the numbers, kept in make_structured_references.out): −2 log-likelihood
/// (ML deviance or REML criterion), β̂, σ̂, the term's SDs and its correlation parameters (ρ, rate,
/// range) as glmmTMB reports them, with BOBYQA and with L-BFGS-B on the exact gradient (pulled
/// back through the structure). Measured: −2 log L within 5e-13 relative; parameters within 1e-6
/// (L-BFGS-B) and 1.1e-5 (BOBYQA, the smallest of toep's lag correlations, 0.08), hence 2e-5.
@Suite struct StructuredCovarianceReferenceTests {
    static let directory = "Tests/MarginalTests/Fixtures/reference/structured/"

    struct Reference: Sendable, CustomTestStringConvertible {
        let label: String
        /// The data, from the repository root.
        let file: String
        let formula: String
        let criterion: FitCriterion
        let deviance: Double
        let beta: [Double]
        let sigma: Double
        let sds: [Double]
        /// Name and value of each correlation parameter.
        let parameters: [(String, Double)]
        var testDescription: String { label }
    }

    static let references: [Reference] = [
        // nlme's Orthodont: an AR(1) over the four equally spaced ages.
        Reference(
            label: "Orthodont ar1 ML", file: directory + "orthodont.csv", formula: "distance ~ age + Sex + ar1(age + 0 | Subject)", criterion: .ml,
            deviance: 433.9147858702, beta: [15.3924443090, 0.6594547339, 2.3451995411], sigma: 1.2792881195,
            sds: [1.8403640325], parameters: [("rho", 0.9303076122)]),
        Reference(
            label: "Orthodont ar1 REML", file: directory + "orthodont.csv", formula: "distance ~ age + Sex + ar1(age + 0 | Subject)", criterion: .reml,
            deviance: 436.3944868570, beta: [15.3932532005, 0.6593686155, 2.3478120518], sigma: 1.2729802489,
            sds: [1.9258293357], parameters: [("rho", 0.9288273397)]),
        // Simulated repeated measures (6 times, 2 replicates, 10% of rows dropped).
        Reference(
            label: "repeated ar1 ML", file: directory + "repeated.csv", formula: "y ~ time + x + ar1(time + 0 | id)", criterion: .ml,
            deviance: 1739.0440027428, beta: [1.8738780747, 0.3331900094, 0.4696316888], sigma: 0.7958166188,
            sds: [1.3424616077], parameters: [("rho", 0.6312142108)]),
        Reference(
            label: "repeated ar1 REML", file: directory + "repeated.csv", formula: "y ~ time + x + ar1(time + 0 | id)", criterion: .reml,
            deviance: 1749.5796548724, beta: [1.8731245912, 0.3332751387, 0.4696954867], sigma: 0.7970267513,
            sds: [1.3530731525], parameters: [("rho", 0.6356452302)]),
        Reference(
            label: "repeated toep REML", file: directory + "repeated.csv", formula: "y ~ time + x + toep(time + 0 | id)", criterion: .reml,
            deviance: 1748.1654741484, beta: [1.8545263860, 0.3337410496, 0.4667420046], sigma: 0.7999770963,
            sds: [1.2479202924, 1.4253904336, 1.4213565478, 1.3715005372, 1.3554741566, 1.3213411562],
            parameters: [("rho.lag1", 0.6523563828), ("rho.lag2", 0.3891300795), ("rho.lag3", 0.2537039255),
                         ("rho.lag4", 0.1512033475), ("rho.lag5", 0.0807716655)]),
        // Simulated Ornstein–Uhlenbeck trajectories seen at unequal gaps (times 0, 0.3, 1, 1.8, 3.5, 6).
        Reference(
            label: "ou ML", file: directory + "ou.csv", formula: "y ~ time + ou(time + 0 | id)", criterion: .ml,
            deviance: 864.5061622274, beta: [1.0553218530, -0.2164501458], sigma: 0.5501959856,
            sds: [0.9584333890], parameters: [("rate", 0.4363220090)]),
        Reference(
            label: "ou REML", file: directory + "ou.csv", formula: "y ~ time + ou(time + 0 | id)", criterion: .reml,
            deviance: 872.4264097762, beta: [1.0557288940, -0.2165123080], sigma: 0.5501372458,
            sds: [0.9656394540], parameters: [("rate", 0.4301961451)]),
        Reference(
            label: "exp ML", file: directory + "ou.csv", formula: "y ~ time + exp(time + 0 | id)", criterion: .ml,
            deviance: 864.5061622274, beta: [1.0553218530, -0.2164501458], sigma: 0.5501959856,
            sds: [0.9584333890], parameters: [("range", 2.2918853036)]),
        Reference(
            label: "gau ML", file: directory + "ou.csv", formula: "y ~ time + gau(time + 0 | id)", criterion: .ml,
            deviance: 862.6529902384, beta: [1.0443519892, -0.2133575500], sigma: 0.6560824374,
            sds: [0.8826767439], parameters: [("range", 2.1193368645)]),
        // Simulated Matérn field (smoothness 1.5) at unequally spaced positions; smoothness estimated.
        Reference(
            label: "mat ML", file: directory + "matern.csv", formula: "y ~ 1 + mat(pos + 0 | site)", criterion: .ml,
            deviance: 1960.6547177373, beta: [2.0335366241], sigma: 0.1590893432,
            sds: [1.0864859500], parameters: [("range", 2.0171742108), ("smoothness", 0.5339780569)]),
        // Two-dimensional coordinates (glmmTMB's numFactor(x, y)), one exponential field over 60 sites.
        Reference(
            label: "spatial exp ML", file: directory + "spatial.csv", formula: "z ~ 1 + exp(numFactor(x, y) + 0 | group)", criterion: .ml,
            deviance: 319.5588854852, beta: [0.5297313481], sigma: 0.4711971117,
            sds: [1.0295198509], parameters: [("range", 2.5253910610)]),
        Reference(
            label: "spatial gau REML", file: directory + "spatial.csv", formula: "z ~ 1 + gau(numFactor(x, y) + 0 | group)", criterion: .reml,
            deviance: 325.4484062308, beta: [0.6398943795], sigma: 0.5306798952,
            sds: [0.9818939130], parameters: [("range", 1.8639339816)]),
        // lme4's Machines: heterogeneous compound symmetry over the three machines.
        Reference(
            label: "Machines cs ML", file: directory + "machines.csv", formula: "score ~ Machine + cs(Machine + 0 | Worker)", criterion: .ml,
            deviance: 217.4985949281, beta: [52.3555555556, 7.9666666667, 13.9166666667], sigma: 0.9624044931,
            sds: [3.7481615221, 7.6863533476, 4.0653002771], parameters: [("rho", 0.7380860907)]),
        Reference(
            label: "Machines cs REML", file: directory + "machines.csv", formula: "score ~ Machine + cs(Machine + 0 | Worker)", criterion: .reml,
            deviance: 209.2204423143, beta: [52.3555555556, 7.9666666667, 13.9166666667], sigma: 0.9621486206,
            sds: [4.1144871992, 8.4197444231, 4.4618029164], parameters: [("rho", 0.7357102325)]),
        // sleepstudy: diag is lme4's (1 + Days || Subject) (1752.0032551446 and 1743.6692935815).
        Reference(
            label: "sleepstudy diag ML", file: "Examples/sleepstudy.csv", formula: "Reaction ~ Days + diag(1 + Days | Subject)",
            criterion: .ml, deviance: 1752.0032551399, beta: [251.4051048485, 10.4672859596], sigma: 25.5561347015,
            sds: [24.1712652948, 5.7994085132], parameters: []),
        Reference(
            label: "sleepstudy diag REML", file: "Examples/sleepstudy.csv", formula: "Reaction ~ Days + diag(1 + Days | Subject)",
            criterion: .reml, deviance: 1743.6692935813, beta: [251.4051048485, 10.4672859596], sigma: 25.5652853542,
            sds: [25.0513285187, 5.9881715707], parameters: []),
    ]

    static func fit(_ file: String, _ formula: String, _ criterion: FitCriterion) throws -> LinearMixedModelFit {
        let data = try CSVReader.read(path: file)
        return try LinearMixedModel(formula: formula, data: data).fit(criterion: criterion)
    }

    @Test(arguments: references, [ThetaOptimizer.bobyqa, .lbfgs])
    func matchesGlmmTMB(_ reference: Reference, optimizer: ThetaOptimizer) throws {
        let data = try CSVReader.read(path: reference.file)
        let fit = try LinearMixedModel(formula: reference.formula, data: data).fit(criterion: reference.criterion, optimizer: optimizer)
        #expect(fit.optimization.converged)
        #expect(relativeError(fit.objective, reference.deviance) < 1e-9, "-2 log L \(fit.objective) vs \(reference.deviance)")
        // BOBYQA, without derivatives, stops where the deviance is within 1e-9 but the Matérn
        // fit's σ is 2.1e-5 off: σ and the smoothness trade along a flat ridge, and rounding
        // moves where it stops (the issue asks 1e-4). With the exact gradient every value is 2e-5.
        let tolerance = optimizer == .bobyqa ? 5e-5 : 2e-5
        #expect(relativeError(fit.sigma, reference.sigma) < tolerance, "σ \(fit.sigma) vs \(reference.sigma)")
        for (estimate, expected) in zip(fit.fixedEffects.map(\.estimate), reference.beta) {
            #expect(relativeError(estimate, expected) < tolerance, "β \(estimate) vs \(expected)")
        }
        let component = try #require(fit.varianceComponents.first)
        for (sd, expected) in zip(component.standardDeviations, reference.sds) {
            #expect(relativeError(sd, expected) < tolerance, "SD \(sd) vs \(expected)")
        }
        #expect(component.structureParameters.map(\.name) == reference.parameters.map(\.0))
        for (parameter, expected) in zip(component.structureParameters, reference.parameters) {
            #expect(relativeError(parameter.value, expected.1) < tolerance, "\(parameter.name) \(parameter.value) vs \(expected.1)")
        }
    }

    /// `diag` is lme4's `||`; `cs` with equal SDs is lme4's nested (1 | Worker) + (1 | Worker:Machine)
    /// (ML deviance 225.2694469398 by lme4), which the heterogeneous fit improves on; `exp` and
    /// `ou` are one model (range = 1/rate).
    @Test func agreesWithEquivalentModels() throws {
        let diag = try Self.fit("Examples/sleepstudy.csv", "Reaction ~ Days + diag(1 + Days | Subject)", .ml)
        let split = try Self.fit("Examples/sleepstudy.csv", "Reaction ~ Days + (1 + Days || Subject)", .ml)
        #expect(relativeError(diag.objective, split.objective) < 1e-10)
        #expect(relativeError(diag.objective, 1752.0032551446) < 1e-10)
        let nested = try Self.fit(Self.directory + "machines.csv", "score ~ Machine + (1 | Worker) + (1 | Worker:Machine)", .ml)
        let cs = try Self.fit(Self.directory + "machines.csv", "score ~ Machine + cs(Machine + 0 | Worker)", .ml)
        #expect(relativeError(nested.objective, 225.2694469398) < 1e-9)
        #expect(cs.objective < nested.objective)
        let ou = try Self.fit(Self.directory + "ou.csv", "y ~ time + ou(time + 0 | id)", .ml)
        let exponential = try Self.fit(Self.directory + "ou.csv", "y ~ time + exp(time + 0 | id)", .ml)
        #expect(relativeError(ou.objective, exponential.objective) < 1e-10)
        let rate = try #require(ou.varianceComponents.first?.structureParameters.first?.value)
        let range = try #require(exponential.varianceComponents.first?.structureParameters.first?.value)
        #expect(relativeError(rate * range, 1) < 1e-5)
    }
}
