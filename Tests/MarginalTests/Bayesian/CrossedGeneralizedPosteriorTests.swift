import Foundation
import Testing
@testable import Marginal

/// A crossed binary GLMM, y ~ x + (1 | g) + (1 | h), sampled two ways that target the same
/// posterior: g's effects integrated out by quadrature with h's sampled non-centred (the
/// automatic strategy), and every effect sampled (`--marginalize none`). The posterior means of
/// the globals agree within their Monte Carlo errors, and both give every random effect, in the
/// same layout, with agreeing means.
@Suite struct CrossedGeneralizedPosteriorTests {
    /// 24 levels of g crossed with 6 of h, one binary row per cell (seeded).
    static func model() throws -> GeneralizedLinearMixedModel {
        var random = RandomSource(seed: 41)
        let bg = (0..<24).map { _ in 0.9 * random.normal() }
        let bh = (0..<6).map { _ in 0.6 * random.normal() }
        var lines = ["y,x,g,h"]
        for j in 0..<24 {
            for k in 0..<6 {
                let x = 2 * random.uniform() - 1
                let eta = -0.2 + 0.7 * x + bg[j] + bh[k]
                let y = random.uniform() < 1 / (1 + exp(-eta)) ? 1 : 0
                lines.append("\(y),\(x),g\(j),h\(k)")
            }
        }
        let frame = try CSVReader.read(bytes: Array((lines.joined(separator: "\n") + "\n").utf8))
        return try GeneralizedLinearMixedModel(design: ModelDesign(formula: "y ~ x + (1 | g) + (1 | h)", data: frame), family: BinomialFamily())
    }

    @Test func quadratureAndJointRoutesAgree() throws {
        let model = try Self.model()
        let settings = SamplerSettings(chains: 4, warmup: 300, draws: 500, seed: 7)
        var request = PosteriorRequest(strategy: .marginalizeOne(group: "g", effects: .nonCentered), settings: settings)
        request.quadraturePoints = 9
        let integrated = try model.samplePosterior(request, progress: nil)
        let joint = try model.samplePosterior(PosteriorRequest(strategy: .marginalizeNone(.nonCentered), settings: settings), progress: nil)
        #expect(integrated.strategy == .quadrature(group: "g", points: 9))
        #expect(joint.strategy == .marginalizeNone(.nonCentered))
        #expect(integrated.parameters.map(\.name) == ["b[(Intercept)]", "b[x]", "sd[g][(Intercept)]", "sd[h][(Intercept)]"])
        #expect(integrated.parameters.map(\.name) == joint.parameters.map(\.name))
        for (a, b) in zip(integrated.parameters, joint.parameters) {
            let error = (a.mcse * a.mcse + b.mcse * b.mcse).squareRoot()
            #expect(abs(a.mean - b.mean) < 5 * error, "\(a.name): \(a.mean) ± \(a.mcse) vs \(b.mean) ± \(b.mcse)")
        }
        // Recovery: every effect of both factors, whatever was integrated out.
        for sample in [integrated, joint] {
            #expect(sample.randomEffects.map(\.group) == ["g", "h"])
            #expect(sample.randomEffects.map(\.means.count) == [24, 6])
            #expect(sample.randomEffectNames.count == 30)
            #expect(sample.randomEffects.allSatisfy { $0.sds.allSatisfy { $0 > 0 && $0.isFinite } })
        }
        for (a, b) in zip(integrated.randomEffects, joint.randomEffects) {
            for level in a.means.indices {
                // Each mean over 2,000 draws has an MCSE of a few hundredths of its posterior SD.
                #expect(abs(a.means[level] - b.means[level]) < 0.25 * a.sds[level], "\(a.group) level \(level): \(a.means[level]) vs \(b.means[level])")
            }
        }
    }
}
