import Foundation
import Testing
@testable import Marginal

/// One individual's ALADYN terms (``AladynIndividualTerms``): the gradient and the age blocks of
/// the Hessian against central differences of the value, the Gauss–Newton blocks against the
/// Hessian's closed-form remainder, and both hand-made reverse passes (the Laplace trace term
/// ½ Σ_t tr(C_t G_t) and the correction ℓ − gᵀδλ) against central differences
/// in λ, in σ(φ) and in κ.
@Suite struct AladynIndividualTermsTests {
    static let (kt, d, t) = (3, 4, 6)

    /// Individual 2 of the fixture: its exits and flags, σ(φ) at the fixture's φ, λ, κ = 0.9.
    struct Setup {
        var exits: [Int32]
        var diagnosed: [Bool]
        var sigmoid: [Double]
        var lambda: [Double]
        var kappa = 0.9
    }

    static func setup() throws -> Setup {
        let model = try AladynFixture.model()
        let parameters = try AladynFixture.centred(model)
        let i = 2
        let exits = (0..<d).map { Int32(model.outcomes.exitAges[i * d + $0]) }
        let diagnosed = (0..<d).map { model.outcomes.diagnosed[i * d + $0] }
        let sigmoid = parameters[.diseaseLogits].map { 1 / (1 + exp(-$0)) }
        let lambda = Array(parameters[.trajectories][(i * kt * t)..<((i + 1) * kt * t)].map { $0 })
        return Setup(exits: exits, diagnosed: diagnosed, sigmoid: sigmoid, lambda: lambda)
    }

    /// Runs `body` with the terms' θ set at `lambda` and the individual's data.
    static func with<T>(_ s: Setup, _ terms: AladynIndividualTerms, _ body: (AladynIndividualTerms.Individual) -> T) -> T {
        s.exits.withUnsafeBufferPointer { e in
            s.diagnosed.withUnsafeBufferPointer { y in
                s.sigmoid.withUnsafeBufferPointer { sg in
                    s.lambda.withUnsafeBufferPointer { terms.setTrajectories($0.baseAddress!) }
                    return body(.init(exits: e.baseAddress!, diagnosed: y.baseAddress!, sigmoid: sg.baseAddress!, kappa: s.kappa))
                }
            }
        }
    }

    static func value(_ s: Setup, _ terms: AladynIndividualTerms) -> Double { with(s, terms) { terms.value($0) } }

    static func gradient(_ s: Setup, _ terms: AladynIndividualTerms) -> (g: [Double], a: [Double], gaussNewton: [Double]) {
        with(s, terms) { x in
            _ = terms.derivatives(x)
            return (Array(UnsafeBufferPointer(start: terms.gradient, count: kt * t)),
                    Array(UnsafeBufferPointer(start: terms.hessian, count: kt * (kt + 1) / 2 * t)),
                    Array(UnsafeBufferPointer(start: terms.gaussNewton, count: kt * (kt + 1) / 2 * t)))
        }
    }

    /// A fixed symmetric C_t for each age, [(k·kt + j)·T + t].
    static let covariance: [Double] = {
        var c = [Double](repeating: 0, count: kt * kt * t)
        for k in 0..<kt {
            for j in 0..<kt {
                for a in 0..<t {
                    let (lo, hi) = (min(k, j), max(k, j))
                    c[(k * kt + j) * t + a] = (lo == hi ? 1.5 : 0.3) + 0.2 * sin(Double(lo * 7 + hi * 3 + a))
                }
            }
        }
        return c
    }()

    static let direction: [Double] = (0..<(kt * t)).map { 0.4 * cos(Double($0) * 0.9 + 0.3) }

    /// τ = ½ Σ_t tr(C_t G_t) from the Gauss–Newton blocks.
    static func trace(_ s: Setup, _ terms: AladynIndividualTerms) -> Double {
        let a = gradient(s, terms).gaussNewton
        var sum = 0.0
        for k in 0..<kt {
            for j in 0..<kt {
                let pair = terms.pairIndex(min(k, j), max(k, j))
                for age in 0..<t { sum += 0.5 * covariance[(k * kt + j) * t + age] * a[pair * t + age] }
            }
        }
        return sum
    }

    /// ℓ − gᵀδλ.
    static func correction(_ s: Setup, _ terms: AladynIndividualTerms) -> Double {
        let value = value(s, terms)
        let g = gradient(s, terms).g
        return value - zip(g, direction).reduce(0) { $0 + $1.0 * $1.1 }
    }

    static func check(_ analytic: Double, _ numeric: Double, _ what: String) {
        #expect(abs(analytic - numeric) <= 1e-7 * max(1, abs(numeric)), "\(what): analytic \(analytic), numeric \(numeric)")
    }

    @Test func gradientAndHessianMatchDifferences() throws {
        let s = try Self.setup()
        let terms = AladynIndividualTerms(signatures: Self.kt, diseases: Self.d, ages: Self.t)
        let (g, a, gaussNewton) = Self.gradient(s, terms)
        let h = 1e-5
        for index in 0..<(Self.kt * Self.t) {
            var plus = s, minus = s
            plus.lambda[index] += h
            minus.lambda[index] -= h
            Self.check(g[index], (Self.value(plus, terms) - Self.value(minus, terms)) / (2 * h), "g[\(index)]")
            let gp = Self.gradient(plus, terms).g, gm = Self.gradient(minus, terms).g
            let (k, age) = (index / Self.t, index % Self.t)
            for j in 0..<Self.kt {
                let numeric = (gp[j * Self.t + age] - gm[j * Self.t + age]) / (2 * h)
                Self.check(a[terms.pairIndex(min(k, j), max(k, j)) * Self.t + age], numeric, "A[\(k),\(j)](\(age))")
            }
        }
        // G_t = A_t − (diag g − gθᵀ − θgᵀ), and positive semidefinite (its diagonal and 2 × 2 minors).
        let theta = s.lambda.indices.map { index -> Double in
            let age = index % Self.t
            let total = (0..<Self.kt).reduce(0.0) { $0 + exp(s.lambda[$1 * Self.t + age]) }
            return exp(s.lambda[index]) / total
        }
        for age in 0..<Self.t {
            for k in 0..<Self.kt {
                for j in k..<Self.kt {
                    let (gk, gj, tk, tj) = (g[k * Self.t + age], g[j * Self.t + age], theta[k * Self.t + age], theta[j * Self.t + age])
                    let index = terms.pairIndex(k, j) * Self.t + age
                    let expected = a[index] - ((k == j ? gk : 0) - gk * tj - tk * gj)
                    Self.check(gaussNewton[index], expected, "G[\(k),\(j)](\(age))")
                    let kk = gaussNewton[terms.pairIndex(k, k) * Self.t + age], jj = gaussNewton[terms.pairIndex(j, j) * Self.t + age]
                    #expect(kk >= 0 && kk * jj - gaussNewton[index] * gaussNewton[index] >= -1e-12)
                }
            }
        }
    }

    /// Both reverse passes in λ, every σ(φ) cell and κ.
    @Test func reversePassesMatchDifferences() throws {
        let s = try Self.setup()
        let terms = AladynIndividualTerms(signatures: Self.kt, diseases: Self.d, ages: Self.t)
        let passes: [(String, (Setup) -> Double)] = [("trace", { Self.trace($0, terms) }), ("correction", { Self.correction($0, terms) })]
        for (name, function) in passes {
            var lambdaBar = [Double](repeating: 0, count: Self.kt * Self.t)
            var sigmoidBar = [Double](repeating: 0, count: s.sigmoid.count)
            let kappaBar = Self.with(s, terms) { x in
                lambdaBar.withUnsafeMutableBufferPointer { out in
                    sigmoidBar.withUnsafeMutableBufferPointer { sb in
                        if name == "trace" {
                            return Self.covariance.withUnsafeBufferPointer {
                                terms.traceGradient(x, covariance: $0.baseAddress!, into: out.baseAddress!, sigmoidGradient: sb.baseAddress!)
                            }
                        }
                        return Self.direction.withUnsafeBufferPointer {
                            terms.correctionGradient(x, direction: $0.baseAddress!, into: out.baseAddress!, sigmoidGradient: sb.baseAddress!)
                        }
                    }
                }
            }
            let h = 1e-5
            for index in lambdaBar.indices {
                var plus = s, minus = s
                plus.lambda[index] += h
                minus.lambda[index] -= h
                Self.check(lambdaBar[index], (function(plus) - function(minus)) / (2 * h), "\(name) lambda[\(index)]")
            }
            for index in sigmoidBar.indices {
                var plus = s, minus = s
                plus.sigmoid[index] += h
                minus.sigmoid[index] -= h
                Self.check(sigmoidBar[index], (function(plus) - function(minus)) / (2 * h), "\(name) s[\(index)]")
            }
            var plus = s, minus = s
            plus.kappa += h
            minus.kappa -= h
            Self.check(kappaBar, (function(plus) - function(minus)) / (2 * h), "\(name) kappa")
        }
    }
}

/// The cell term's derivatives against central differences of its value, below 10⁻⁶ (no clamp),
/// inside, and on the continuation above 1 − 10⁻⁶, for censored and diagnosis cells; the value
/// is continuous at the continuation point.
@Suite struct AladynCellDerivativesTests {
    static func value(_ pi: Double, _ diagnosis: Bool) -> Double {
        let cell = AladynCellDerivatives(hazard: pi, diagnosis: diagnosis)
        return cell.excess - log(cell.probability)
    }

    @Test func derivativesMatchDifferences() {
        let p0 = AladynCellDerivatives.continuationPoint
        for diagnosis in [false, true] {
            for pi in [3e-8, 0.2, 0.7, p0 + 2e-7, p0 + 0.3, 1.7] {
                let cell = AladynCellDerivatives(hazard: pi, diagnosis: diagnosis)
                let h = min(1e-9, pi * 1e-3)
                let numeric = [
                    (Self.value(pi + h, diagnosis) - Self.value(pi - h, diagnosis)) / (2 * h),
                    (AladynCellDerivatives(hazard: pi + h, diagnosis: diagnosis).first
                        - AladynCellDerivatives(hazard: pi - h, diagnosis: diagnosis).first) / (2 * h),
                ]
                for (analytic, difference) in zip([cell.first, cell.second], numeric) {
                    #expect(abs(analytic - difference) <= 1e-5 * max(1, abs(difference)), "pi \(pi) diagnosis \(diagnosis): \(analytic) vs \(difference)")
                }
                #expect(Self.value(pi, diagnosis).isFinite)
            }
            // Continuity at π₀, and the third derivative 2c′³ inside, 0 beyond.
            #expect(abs(Self.value(p0 + 1e-15, diagnosis) - Self.value(p0, diagnosis)) < 1e-6)
            let inside = AladynCellDerivatives(hazard: 0.3, diagnosis: diagnosis)
            #expect(abs(inside.third - 2 * pow(inside.first, 3)) < 1e-12 * abs(inside.third))
            #expect(AladynCellDerivatives(hazard: 1.2, diagnosis: diagnosis).third == 0)
        }
    }
}
