import Foundation
import Testing
@testable import Marginal

/// The published ALADYN objective against PyTorch (the numbers `Benchmarks/peers/aladyn_torch.py
/// fixture` printed, float64, torch 2.15) and against central finite differences.
@Suite struct AladynLossTests {
    /// PyTorch's values: loss parts, then per block (norm, sum, first, last) of the gradient.
    static let torchCentred = (total: 11.403696784844868, data: 5.4293538611977317, prior: 19.914476412157121)
    static let torchCentredGradient: [[Double]] = [
        [1.1227553480502537, 2.126141513138565, 0.029466024328227029, 0.195312346677395],
        [4.9056599181391345, 2.5734543138614914, 0.6131212500650024, 0.060943681780393312],
        [0.82083376845710543, -2.6802585627350237, -0.30351879722188269, -0.32065684315190779],
        [0.46898038390653451, -0.17726669596124353, -0.083811247301425709, -0.35785734986992762],
        [0.11456338714881492, -0.11456338714881492, -0.11456338714881492, -0.11456338714881492],
    ]
    static let torchNonCentredGradient: [[Double]] = [
        [1.1227553480502537, 2.126141513138565, 0.029466024328227019, 0.195312346677395],
        [4.9056599181391345, 2.5734543138614914, 0.6131212500650024, 0.060943681780393312],
        [0.18964443347074234, -0.10680424887353418, -0.027039031433589274, 0.0037885069947208062],
        [0.074802785298715188, -0.016619447111811424, 0.034572351494292136, 0.030771426202504462],
        [0.11456338714881503, -0.11456338714881503, -0.11456338714881503, -0.11456338714881503],
    ]

    static func summaries(_ gradient: [Double], _ parameters: AladynParameters) -> [[Double]] {
        AladynParameters.Block.allCases.map { block in
            let values = Array(gradient[parameters.range(block)])
            let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return [norm, values.reduce(0, +), values[0], values[values.count - 1]]
        }
    }

    static func expectClose(_ a: [[Double]], _ b: [[Double]], tolerance: Double = 1e-12) {
        for (row, (x, y)) in zip(a, b).enumerated() {
            for (u, v) in zip(x, y) {
                #expect(abs(u - v) <= tolerance * max(1, abs(v)), "block \(row): \(u) vs PyTorch \(v)")
            }
        }
    }

    @Test func centredLossAndGradientMatchPyTorch() throws {
        let model = try AladynFixture.model()
        let parameters = try AladynFixture.centred(model)
        let objective = AladynObjective(model: model, form: .centred, threads: 1)
        let parts = try objective.evaluate(parameters)
        #expect(abs(parts.likelihood - Self.torchCentred.data) < 1e-12)
        #expect(abs(parts.prior - 0.3 * Self.torchCentred.prior) < 1e-12)
        let (value, gradient) = try objective.valueAndGradient(parameters)
        #expect(abs(value - Self.torchCentred.total) < 1e-12)
        Self.expectClose(Self.summaries(gradient, parameters), Self.torchCentredGradient)
    }

    @Test func nonCentredLossAndGradientMatchPyTorch() throws {
        let model = try AladynFixture.model()
        let centred = try AladynFixture.centred(model)
        let parameters = try model.converted(centred, to: .nonCentred)
        let objective = AladynObjective(model: model, form: .nonCentred, threads: 1)
        let (value, gradient) = try objective.valueAndGradient(parameters)
        #expect(abs(value - Self.torchCentred.total) < 1e-12)
        Self.expectClose(Self.summaries(gradient, parameters), Self.torchNonCentredGradient)
        let back = try model.converted(parameters, to: .centred)
        #expect(zip(back.values, centred.values).allSatisfy { abs($0 - $1) < 1e-13 })
    }

    /// Every coordinate of ∇L against (L(x + h e) − L(x − h e)) / 2h, both forms, two threads.
    @Test(arguments: AladynParameters.Form.allCases)
    func gradientMatchesCentralDifferences(form: AladynParameters.Form) throws {
        let model = try AladynFixture.model()
        let parameters = try model.converted(try AladynFixture.centred(model), to: form)
        let objective = AladynObjective(model: model, form: form, threads: 2)
        let (_, gradient) = try objective.valueAndGradient(parameters)
        let h = 1e-5
        var worst = 0.0
        for index in parameters.values.indices {
            var plus = parameters, minus = parameters
            plus.values[index] += h
            minus.values[index] -= h
            let up = try objective.valueAndGradient(plus).value
            let down = try objective.valueAndGradient(minus).value
            worst = max(worst, abs((up - down) / (2 * h) - gradient[index]))
        }
        #expect(worst < 1e-8, "largest gradient error \(worst)")
    }

    /// DESIGN §1: in the centred form γ enters only the prior, so its likelihood gradient is
    /// exactly zero while its prior gradient is not; the non-centred form gives it a likelihood gradient.
    @Test func centredCovariateEffectsGetNoLikelihoodGradient() throws {
        let model = try AladynFixture.model()
        let centred = try AladynFixture.centred(model)
        let objective = AladynObjective(model: model, form: .centred, threads: 1)
        _ = try objective.evaluate(centred)
        let gamma = centred.range(.covariateEffects)
        #expect(objective.likelihoodGradient[gamma].allSatisfy { $0 == 0 })
        #expect(objective.priorGradient[gamma].contains { $0 != 0 })
        let nonCentred = AladynObjective(model: model, form: .nonCentred, threads: 1)
        _ = try nonCentred.evaluate(try model.converted(centred, to: .nonCentred))
        #expect(nonCentred.likelihoodGradient[gamma].contains { abs($0) > 1e-3 })
    }
}
