import Foundation
import PropertyBased
import Testing
@testable import Marginal

/// The Bayesian parameter layout of an LMM (``MixedModelParameterization``): the correlation
/// transform and its Jacobian against finite differences, the LKJ prior against its definition
/// det(Ω)^(η−1) on the correlations, the inverse map `unconstrained`, and the chain rule of
/// `completeGradient` against finite differences.
@Suite struct ParameterLayoutTests {
    /// A hand-made layout: block `g` with a correlated m-column term and an independent
    /// 2-column term, and block `h` with one column. Data values do not matter here.
    static func layout(correlated m: Int) -> MixedModelParameterization {
        let n = 6
        func term(_ group: String, _ columns: [String], correlated: Bool) -> RandomEffectTerm {
            RandomEffectTerm(
                group: group, levels: ["a", "b", "c"], codes: (0..<n).map { Int32($0 % 3) }, columnNames: columns,
                z: Matrix(rows: columns.count, columns: n, repeating: 1), correlated: correlated)
        }
        let g = RandomEffectBlock(terms: [
            term("g", (0..<m).map { "z\($0)" }, correlated: true), term("g", ["u", "v"], correlated: false),
        ])
        let h = RandomEffectBlock(terms: [term("h", ["(Intercept)"], correlated: true)])
        return MixedModelParameterization(fixedNames: ["(Intercept)", "x"], blocks: [g, h])
    }

    /// The m × m correlation factor for y.
    static func correlationFactor(_ y: [Double], m: Int) -> (l: [Double], logJacobian: Double) {
        var l = [Double](repeating: 0, count: m * m)
        let logJacobian = y.withUnsafeBufferPointer { yp in
            l.withUnsafeMutableBufferPointer { CorrelationCholeskyTransform.forward(yp, dimension: m, into: $0.baseAddress!) }
        }
        return (l, logJacobian)
    }

    /// The strictly lower entries of L (row by row) and of Ω = LLᵀ.
    static func lowerEntries(_ y: [Double], m: Int, ofOmega: Bool) -> [Double] {
        let l = correlationFactor(y, m: m).l
        var values: [Double] = []
        for i in 1..<m {
            for j in 0..<i {
                if ofOmega {
                    values.append((0...j).reduce(0) { $0 + l[i + $1 * m] * l[j + $1 * m] })
                } else {
                    values.append(l[i + j * m])
                }
            }
        }
        return values
    }

    /// log |det J| of a map ℝᵏ → ℝᵏ by central differences, the determinant by Gaussian
    /// elimination with partial pivoting.
    static func finiteDifferenceLogDeterminant(_ y: [Double], _ f: ([Double]) -> [Double]) -> Double {
        let k = y.count
        let h = 1e-6
        var jacobian = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        for j in 0..<k {
            var plus = y, minus = y
            plus[j] += h
            minus[j] -= h
            let (fp, fm) = (f(plus), f(minus))
            for i in 0..<k { jacobian[i][j] = (fp[i] - fm[i]) / (2 * h) }
        }
        var logDeterminant = 0.0
        for column in 0..<k {
            let pivot = (column..<k).max { abs(jacobian[$0][column]) < abs(jacobian[$1][column]) }!
            jacobian.swapAt(column, pivot)
            let p = jacobian[column][column]
            logDeterminant += log(abs(p))
            for row in (column + 1)..<k {
                let factor = jacobian[row][column] / p
                for c in column..<k { jacobian[row][c] -= factor * jacobian[column][c] }
            }
        }
        return logDeterminant
    }

    static func randomVector(_ count: Int, _ random: inout RandomSource, scale: Double = 1.2) -> [Double] {
        (0..<count).map { _ in scale * (2 * random.uniform() - 1) }
    }

    @Test(arguments: 2...5)
    func correlationJacobianMatchesFiniteDifferences(_ m: Int) {
        var random = RandomSource(seed: UInt64(100 + m))
        for _ in 0..<3 {
            let y = Self.randomVector(CorrelationCholeskyTransform.count(dimension: m), &random)
            let (l, logJacobian) = Self.correlationFactor(y, m: m)
            let numeric = Self.finiteDifferenceLogDeterminant(y) { Self.lowerEntries($0, m: m, ofOmega: false) }
            #expect(abs(logJacobian - numeric) < 1e-6, "m = \(m): \(logJacobian) vs \(numeric)")
            // Ω's off-diagonal: log |∂Ω/∂y| = log |∂L/∂y| + Σᵢ (m − i − 1) log L_ii (0-based i).
            let omega = Self.finiteDifferenceLogDeterminant(y) { Self.lowerEntries($0, m: m, ofOmega: true) }
            let expected = logJacobian + (1..<m).reduce(0) { $0 + Double(m - $1 - 1) * log(l[$1 + $1 * m]) }
            #expect(abs(omega - expected) < 1e-6, "m = \(m): \(omega) vs \(expected)")
            // L is a correlation factor: unit rows, positive diagonal.
            for i in 0..<m {
                #expect(abs((0...i).reduce(0) { $0 + l[i + $1 * m] * l[i + $1 * m] } - 1) < 1e-14)
                #expect(l[i + i * m] > 0)
            }
        }
    }

    /// With flat priors elsewhere, the layout's total for LKJ(η) is, up to a constant,
    /// log σ + Σ log sd (the scales' Jacobians) + (η − 1) log det Ω + log |∂Ω/∂y|.
    @Test(arguments: [0.5, 1.0, 2.0, 4.5])
    func lkjPriorIsDeterminantPowerOnCorrelations(_ eta: Double) throws {
        var layout = Self.layout(correlated: 3)
        for entry in layout.namedPriors where !entry.name.hasPrefix("cor[") { try layout.setPrior(.flat, for: entry.name) }
        try layout.setPrior(.lkj(eta: eta), for: "cor[g]")
        let part = layout.blocks[0].parts[0]
        var random = RandomSource(seed: 7)
        var differences: [Double] = []
        for _ in 0..<4 {
            let x = Self.randomVector(layout.dimension, &random)
            var globals = layout.makeGlobals()
            layout.decode(x, into: &globals)
            var gradient = [Double](repeating: 0, count: layout.dimension)
            let total = layout.completeGradient(x, globals: &globals, sigmaAdjoint: 0, gradient: &gradient)
            let y = Array(x[part.correlationCoordinate..<(part.correlationCoordinate + 3)])
            let l = Self.correlationFactor(y, m: 3).l
            let logDetOmega = 2 * (0..<3).reduce(0) { $0 + log(l[$1 + $1 * 3]) }
            let logJacobianOmega = Self.finiteDifferenceLogDeterminant(y) { Self.lowerEntries($0, m: 3, ofOmega: true) }
            let scales = x[layout.sigmaCoordinate] + layout.parameterNames.indices
                .filter { layout.parameterNames[$0].hasPrefix("sd[") }.reduce(0) { $0 + x[$1] }
            differences.append(total - (scales + (eta - 1) * logDetOmega + logJacobianOmega))
        }
        for difference in differences { #expect(abs(difference - differences[0]) < 1e-6, "η = \(eta): \(differences)") }
    }

    /// decode then `unconstrained` gives x back, for any x in a box.
    @Test func unconstrainedInvertsDecode() async {
        let layout = Self.layout(correlated: 4)
        await propertyCheck(count: 200, input: Gen.double(in: -2.5...2.5).array(of: layout.dimension)) { x in
            var globals = layout.makeGlobals()
            layout.decode(x, into: &globals)
            let back = layout.unconstrained(beta: globals.beta, sigma: globals.sigma, factors: globals.factors)
            #expect(back.count == x.count)
            for i in x.indices { #expect(abs(back[i] - x[i]) < 1e-9, "\(layout.parameterNames[i]): \(back[i]) vs \(x[i])") }
        }
    }

    @Test func decodeBuildsTheCovarianceFactors() {
        let layout = Self.layout(correlated: 2)
        #expect(layout.parameterNames == [
            "b[(Intercept)]", "b[x]", "sigma", "sd[g][z0]", "sd[g][z1]", "cor[g][z0,z1]", "sd[g][u]", "sd[g][v]", "sd[h][(Intercept)]",
        ])
        let x = [1.5, -2, log(3.0), log(2.0), log(0.5), atanh(0.6), log(4.0), log(5.0), log(7.0)]
        var globals = layout.makeGlobals()
        layout.decode(x, into: &globals)
        #expect(globals.beta == [1.5, -2])
        #expect(abs(globals.sigma - 3) < 1e-15)
        // Block g (S = 4): [2 0; 0.5·0.6 0.5·0.8] for the correlated part, diag(4, 5) for the other.
        let t = globals.factors[0]
        let expected: [Double] = [2, 0.3, 0, 0, 0, 0.4, 0, 0, 0, 0, 4, 0, 0, 0, 0, 5]
        for i in 0..<16 { #expect(abs(t[i] - expected[i]) < 1e-14, "T[\(i)] = \(t[i])") }
        #expect(abs(globals.factors[1][0] - 7) < 1e-14)
        let reported = layout.reportedValues(x)
        #expect(abs(reported[5] - 0.6) < 1e-14)
        #expect(abs(reported[2] - 3) < 1e-14)
    }

    /// completeGradient is the gradient of ⟨β̄, β⟩ + σ̄σ + Σₖ⟨T̄ₖ, Tₖ⟩ + log prior + log |J| for
    /// likelihood adjoints β̄, σ̄, T̄ₖ, with priors of every kind.
    @Test(arguments: [2, 3, 4])
    func completeGradientMatchesFiniteDifferences(_ m: Int) throws {
        var layout = Self.layout(correlated: m)
        let kinds: [Prior] = [.halfNormal(sd: 2), .exponential(rate: 0.7), .halfStudentT(df: 3, scale: 1.5), .flat]
        for (index, entry) in layout.namedPriors.enumerated() {
            if entry.name.hasPrefix("b[") {
                try layout.setPrior(index == 0 ? .studentT(df: 3, mean: 1, scale: 2) : .normal(mean: -1, sd: 3), for: entry.name)
            } else if entry.name.hasPrefix("cor[") {
                try layout.setPrior(.lkj(eta: 2.5), for: entry.name)
            } else {
                try layout.setPrior(kinds[index % kinds.count], for: entry.name)
            }
        }
        // m = 3, 4: the intercept's prior on b₀ + 1.7 b_x (centred), m = 2: on b₀.
        if m > 2 { layout.priors.predictorMeans = [0, 1.7] }
        var random = RandomSource(seed: UInt64(m))
        let globalsShape = layout.makeGlobals()
        let betaAdjoint = Self.randomVector(globalsShape.beta.count, &random, scale: 3)
        let sigmaAdjoint = 2.5
        let factorAdjoints = globalsShape.factors.map { Self.randomVector($0.count, &random, scale: 3) }
        func objective(_ x: [Double]) -> (value: Double, gradient: [Double]) {
            var globals = layout.makeGlobals()
            layout.decode(x, into: &globals)
            var linear = zip(betaAdjoint, globals.beta).reduce(0) { $0 + $1.0 * $1.1 } + sigmaAdjoint * globals.sigma
            for k in factorAdjoints.indices { linear += zip(factorAdjoints[k], globals.factors[k]).reduce(0) { $0 + $1.0 * $1.1 } }
            globals.betaAdjoint = betaAdjoint
            globals.factorAdjoints = factorAdjoints
            var gradient = [Double](repeating: .nan, count: layout.dimension)
            let rest = layout.completeGradient(x, globals: &globals, sigmaAdjoint: sigmaAdjoint, gradient: &gradient)
            return (linear + rest, gradient)
        }
        for _ in 0..<3 {
            let x = Self.randomVector(layout.dimension, &random)
            let analytic = objective(x).gradient
            let numeric = DensityTestModels.finiteDifferenceGradient(x) { objective($0).value }
            for i in x.indices {
                #expect(abs(analytic[i] - numeric[i]) <= 1e-7 * max(1, abs(numeric[i])),
                        "\(layout.parameterNames[i]): \(analytic[i]) vs \(numeric[i])")
            }
        }
    }

    /// The centred intercept prior depends on b₀ + Σ x̄ₖ bₖ only: moving b₀ and b_x along that
    /// line leaves log prior unchanged, moving b_x alone does not, and the value is the
    /// student-t density at the centred intercept.
    @Test func centredInterceptPriorIsOnTheInterceptAtThePredictorMeans() throws {
        var layout = Self.layout(correlated: 2)
        for entry in layout.namedPriors { try layout.setPrior(entry.name.hasPrefix("cor[") ? .lkj(eta: 1) : .flat, for: entry.name) }
        let intercept = Prior.studentT(df: 3, mean: 2, scale: 1.5)
        try layout.setPrior(intercept, for: "b[(Intercept)]")
        #expect(layout.priors.predictorMeans.isEmpty, "a prior set on b[(Intercept)] is on b₀ itself")
        layout.priors.predictorMeans = [0, 4.5]
        #expect(layout.interceptPriorTarget == "b[(Intercept)] + 4.5·b[x]")
        func logPrior(_ b0: Double, _ bx: Double) -> Double {
            var x = [Double](repeating: 0.1, count: layout.dimension)
            x[0] = b0
            x[1] = bx
            var globals = layout.makeGlobals()
            layout.decode(x, into: &globals)
            var gradient = [Double](repeating: 0, count: layout.dimension)
            return layout.completeGradient(x, globals: &globals, sigmaAdjoint: 0, gradient: &gradient)
        }
        let base = logPrior(1, 0)
        #expect(abs(logPrior(1 - 4.5 * 0.8, 0.8) - base) < 1e-12)
        #expect(abs(logPrior(1, 0.8) - base) > 0.1)
        // Against the student-t density written out: at centred values 1 and 1 + 3.6.
        func studentT(_ v: Double) -> Double {
            let z = (v - 2) / 1.5
            return lgamma(2) - lgamma(1.5) - 0.5 * log(3 * Double.pi) - log(1.5) - 2 * log(1 + z * z / 3)
        }
        #expect(abs((logPrior(1, 0.8) - base) - (studentT(1 + 3.6) - studentT(1))) < 1e-10)
    }
}
