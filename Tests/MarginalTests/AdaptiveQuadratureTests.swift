import Foundation
import Testing
@testable import Marginal

/// Adaptive Gauss–Hermite quadrature beyond lme4's scalar case: a term of two or three columns
/// and two nested scalar terms. No R reference exists (lme4 refuses these; GLMMadaptive is not
/// installed here), so the reference is the marginal likelihood by brute force
/// (``BruteForceMarginal``) on small simulated designs, at fixed (θ, β) and at the fitted optimum.
@Suite struct AdaptiveQuadratureTests {
    /// A seeded linear congruential generator (Knuth's MMIX constants) with Box–Muller normals,
    /// so the simulated designs are the same on every platform.
    struct Generator {
        var state: UInt64
        mutating func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (Double(state >> 11) + 0.5) / 9007199254740992
        }
        mutating func normal() -> Double {
            (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
        }
        mutating func poisson(_ mean: Double) -> Int {
            var k = 0, product = uniform()
            while product > exp(-mean) { product *= uniform(); k += 1 }
            return k
        }
    }

    /// Simulated data, `levels` groups of `rows` rows: covariates x1…x3 uniform on (−1, 1), a
    /// Bernoulli y, a Poisson count and a binomial k of m = 5, each with group effects on the
    /// intercept and x1 (SDs 1 and 0.5); groups g01… and, for nesting, a = the group's
    /// ⌈index/3⌉ and b = its position within a; c, crossed with g, alternates within each group.
    static func frame(levels: Int, rows: Int, seed: UInt64) throws -> DataFrame {
        var random = Generator(state: seed)
        var lines = ["y,count,k,m,x1,x2,x3,g,a,b,c"]
        for j in 0..<levels {
            let b0 = random.normal(), b1 = 0.5 * random.normal()
            for row in 0..<rows {
                let x1 = 2 * random.uniform() - 1, x2 = 2 * random.uniform() - 1, x3 = 2 * random.uniform() - 1
                let eta = -0.3 + 0.8 * x1 + b0 + b1 * x1
                let p = 1 / (1 + exp(-eta))
                let y = random.uniform() < p ? 1 : 0
                let count = random.poisson(exp(0.3 + 0.4 * x1 + 0.6 * b0 + b1 * x1))
                let k = (0..<5).reduce(0) { sum, _ in sum + (random.uniform() < p ? 1 : 0) }
                lines.append("\(y),\(count),\(k),5,\(x1),\(x2),\(x3),g\(String(format: "%02d", j + 1)),a\(j / 3 + 1),b\(j % 3 + 1),c\(row % 2)")
            }
        }
        return try CSVReader.read(bytes: Array((lines.joined(separator: "\n") + "\n").utf8))
    }

    static func model(_ formula: String, family: any ResponseFamily, levels: Int = 8, rows: Int = 6, seed: UInt64 = 12) throws -> GeneralizedLinearMixedModel {
        try GeneralizedLinearMixedModel(design: ModelDesign(formula: formula, data: frame(levels: levels, rows: rows, seed: seed)), family: family)
    }

    /// The Laplace deviance and the K-point AGHQ deviances at (θ, β), from PIRLS at the held β.
    static func deviances(_ model: GeneralizedLinearMixedModel, theta: [Double], beta: [Double], points: [Int]) throws -> (laplace: Double, quadrature: [Double]) {
        var core = model.effectsOnly
        var state = model.startingState
        state.beta = beta
        try model.pirls(&core, theta: theta, state: &state, holdingBeta: true)
        let quadrature = try points.map { k throws in try AdaptiveQuadrature(model: model, points: k).deviance(model, core: core, state: state) }
        return (model.laplaceDeviance(core, state: state), quadrature)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let formula: String
        let family: String
        let theta: [Double]
        let beta: [Double]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "binary, (1 + x1 | g)", formula: "y ~ x1 + (1 + x1 | g)", family: "binomial", theta: [1.1, 0.3, 0.6], beta: [-0.3, 0.8]),
        Case(name: "Poisson, (1 + x1 | g)", formula: "count ~ x1 + (1 + x1 | g)", family: "poisson", theta: [0.7, -0.2, 0.5], beta: [0.3, 0.4]),
        Case(name: "binomial, uncorrelated (1 + x1 || g)", formula: "cbind(k, m - k) ~ x1 + (1 + x1 || g)", family: "binomial", theta: [0.9, 0.5], beta: [-0.3, 0.8]),
        Case(name: "binomial, nested (1 | a/b)", formula: "cbind(k, m - k) ~ x1 + (1 | a/b)", family: "binomial", theta: [0.7, 1.1], beta: [-0.3, 0.8]),
        Case(name: "binary, nested (1 | a/b)", formula: "y ~ x1 + (1 | a/b)", family: "binomial", theta: [0.9, 0.8], beta: [-0.3, 0.8]),
        Case(name: "Poisson, nested (1 | a/b)", formula: "count ~ x1 + (1 | a/b)", family: "poisson", theta: [0.5, 0.6], beta: [0.3, 0.4]),
    ]

    /// At fixed (θ, β) on 8 groups (or 3 + 9 nested levels; 9 groups there) of 6 rows: one point
    /// is the Laplace deviance to rounding, the error against brute force (401 points per
    /// dimension on [−10, 10]) shrinks as K grows, and 15 points agree to 1e-8 relative.
    @Test(arguments: cases)
    func agreesWithBruteForce(_ c: Case) throws {
        let family = try #require(ResponseFamilies.named(c.family))
        let model = try Self.model(c.formula, family: family, levels: c.formula.contains("a/b") ? 9 : 8)
        let points = [1, 3, 5, 9, 15]
        let (laplace, quadrature) = try Self.deviances(model, theta: c.theta, beta: c.beta, points: points)
        let exact = BruteForceMarginal.deviance(model, theta: c.theta, beta: c.beta)
        let errors = quadrature.map { abs($0 - exact) / exact }
        print("AGHQ \(c.name): brute force \(exact), Laplace \(laplace); relative error by K \(zip(points, errors).map { "\($0): \($1)" })")
        #expect(abs(quadrature[0] - laplace) <= 1e-12 * laplace, "\(quadrature[0]) vs \(laplace)")
        #expect(errors[4] < 1e-8, "\(quadrature[4]) vs \(exact)")
        #expect(errors[0] > 1e-6, "the Laplace approximation is visibly off on so few rows")
        // From K = 3 on; the 3-point error can exceed the Laplace one (they differ in sign).
        for k in 2..<errors.count { #expect(errors[k] < errors[k - 1] || errors[k] < 1e-10, "K = \(points[k]): \(errors[k]) after \(errors[k - 1])") }
    }

    /// A term of three columns: one point is the Laplace deviance, and the error against brute
    /// force on a coarser grid shrinks from K = 3 on, to below 1e-8 relative at K = 13 (2,197
    /// nodes). The grid has 81 points per dimension on [−8, 8] (h = 0.2): the trapezoid error is
    /// of order exp(−2π²σ²/h²) < 1e-30 for the conditional SDs σ ≥ 0.5 here, and the integrand's
    /// mass beyond |u| = 8 is below e^{−32} of φ's, so the grid's own error is far below 1e-8.
    @Test func threeColumnTermAgreesWithBruteForce() throws {
        let model = try Self.model("count ~ x1 + x2 + (1 + x1 + x2 | g)", family: PoissonFamily(), levels: 6, rows: 6)
        let theta = [0.7, 0.2, -0.1, 0.5, 0.1, 0.4], beta = [0.3, 0.4, 0.0]
        let points = [1, 3, 5, 9, 13]
        let (laplace, quadrature) = try Self.deviances(model, theta: theta, beta: beta, points: points)
        let exact = BruteForceMarginal.deviance(model, theta: theta, beta: beta, halfWidth: 8, points: 81)
        let errors = quadrature.map { abs($0 - exact) / exact }
        print("AGHQ three columns: brute force \(exact), Laplace \(laplace); relative error by K \(zip(points, errors).map { "\($0): \($1)" })")
        #expect(abs(quadrature[0] - laplace) <= 1e-12 * laplace)
        #expect(errors[4] < 1e-8)
        for k in 2..<errors.count { #expect(errors[k] < errors[k - 1]) }
    }

    /// The full fit of a term of two columns on Examples/binary_slopes.csv (60 groups of 20
    /// Bernoulli rows): one point is the Laplace fit (glmmTMB's deviance 1508.0845476698); with
    /// K points the minimized deviance is the brute-force deviance at that optimum, the K = 9
    /// optimum is not beaten by the others' under brute force, and the estimates settle as K grows.
    @Test func fitOfAVectorTermConvergesInK() throws {
        let data = try CSVReader.read(path: "Examples/binary_slopes.csv")
        let model = try GeneralizedLinearMixedModel(design: ModelDesign(formula: "y ~ x + (1 + x | g)", data: data), family: BinomialFamily())
        let laplace = try model.fit(nAGQ: 1)
        #expect(abs(laplace.objective - 1508.0845476698) <= 1e-8 * 1508.08)
        let fits = try [3, 5, 9].map { k throws(MixedModelError) in try model.fit(nAGQ: k) }
        // 201 points per dimension (h = 0.1): σ ≥ 0.4 for these groups, far within the tolerance.
        let bruteForce = fits.map { BruteForceMarginal.deviance(model, theta: $0.theta, beta: $0.fixedEffects.map(\.estimate), points: 201) }
        for (fit, exact) in zip(fits, bruteForce) {
            print("AGHQ fit nAGQ = \(fit.nAGQ): deviance \(fit.objective), brute force there \(exact), θ \(fit.theta), β \(fit.fixedEffects.map(\.estimate))")
            #expect(fit.converged && fit.nAGQ > 1)
        }
        let bruteAtLaplace = BruteForceMarginal.deviance(model, theta: laplace.theta, beta: laplace.fixedEffects.map(\.estimate), points: 201)
        print("AGHQ fit nAGQ = 1: deviance \(laplace.objective), brute force there \(bruteAtLaplace)")
        // The quadrature error at each optimum shrinks with K: about 7e-5, 2e-6 and 1e-9 relative.
        for (k, tolerance) in [1e-4, 1e-5, 1e-8].enumerated() {
            #expect(abs(fits[k].objective - bruteForce[k]) <= tolerance * bruteForce[k])
        }
        for other in bruteForce.dropLast() + [bruteAtLaplace] { #expect(other >= bruteForce[2] - 1e-8 * bruteForce[2]) }
        // Estimates settle: each K's change is smaller than the last.
        let parameters = ([laplace] + fits).map { $0.theta + $0.fixedEffects.map(\.estimate) }
        let changes = (1..<parameters.count).map { k in zip(parameters[k], parameters[k - 1]).map { abs($0 - $1) }.max() ?? 0 }
        print("AGHQ fit: largest parameter change K 1→3, 3→5, 5→9: \(changes)")
        #expect(changes[2] < changes[1] && changes[1] < changes[0])
    }

    /// A nested fit: the K = 9 optimum is the brute-force deviance there, and one point is the
    /// Laplace fit.
    @Test func fitOfNestedTermsMatchesBruteForce() throws {
        let model = try Self.model("cbind(k, m - k) ~ x1 + (1 | a/b)", family: BinomialFamily(), levels: 12, rows: 5)
        let fit = try model.fit(nAGQ: 9)
        let exact = BruteForceMarginal.deviance(model, theta: fit.theta, beta: fit.fixedEffects.map(\.estimate), points: 201)
        print("AGHQ nested fit nAGQ = 9: deviance \(fit.objective), brute force there \(exact)")
        #expect(abs(fit.objective - exact) <= 1e-8 * exact)
        #expect(fit.converged)
    }

    /// Where the integral does not factorize into integrals of at most three dimensions, or the
    /// grid would be too large, the fit is refused with the reason.
    @Test(arguments: [
        ("y ~ x1 + (1 + x1 + x2 + x3 | g)", 3, "4 columns"),
        ("y ~ x1 + (1 + x1 + x2 | g)", 22, "at most 21 points"),
        ("y ~ x1 + (1 | g) + (1 | a) + (1 | b)", 3, "3 grouping factors"),
        ("y ~ x1 + (1 + x1 | a) + (1 | a:b)", 3, "one column each"),
        ("y ~ x1 + (1 | g) + (1 | c)", 3, "crossed"),
        ("y ~ x1 + (1 + x1 | g)", 101, "from 1 to 100"),
    ])
    func refusedWhereItDoesNotApply(_ formula: String, _ points: Int, _ reason: String) throws {
        let model = try Self.model(formula, family: BinomialFamily(), levels: 9)
        #expect {
            try model.fit(nAGQ: points)
        } throws: { error in
            guard case .quadratureNotApplicable(let message)? = error as? MixedModelError else { return false }
            return message.contains(reason)
        }
    }

    /// The command line: a term of two columns with `--nagq 5` prints the quadrature in the
    /// summary; a crossed model is refused with the reason and a non-zero status.
    @Test func commandLineFitsAndRefuses() throws {
        let fit = try CommandLineTests.marginal(["fit", "Examples/binary_slopes.csv", "-f", "y ~ x + (1 + x | g)", "--family", "binomial", "--nagq", "5"])
        #expect(fit.status == 0, "\(fit.stderr)")
        #expect(fit.stdout.contains("Adaptive Gauss-Hermite Quadrature, nAGQ = 5"))
        #expect(fit.stdout.contains("Random effects:") && fit.stdout.contains("Fixed effects:"))
        let json = try CommandLineTests.marginal(["fit", "Examples/binary_slopes.csv", "-f", "y ~ x + (1 + x | g)", "--family", "binomial", "--nagq", "5", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["nAGQ"] as? Int == 5)
        let crossed = try CommandLineTests.marginal(["fit", "Examples/binary_crossed.csv", "-f", "y ~ x1 + (1 | g1) + (1 | g2)", "--family", "binomial", "--nagq", "5"])
        #expect(crossed.status != 0)
        #expect(crossed.stdout.isEmpty)
        #expect(crossed.stderr.contains("crossed") && crossed.stderr.contains("(1 | a/b)"))
    }
}
