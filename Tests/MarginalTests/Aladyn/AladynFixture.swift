import Foundation
@testable import Marginal

/// The small deterministic ALADYN problem of `Benchmarks/peers/aladyn_torch.py fixture` (every
/// input a closed-form function of its indices), rebuilt here: N = 7, D = 4, T = 6, K = 2 (+1
/// healthy), P = 2, W = 0.3, κ = 0.9.
enum AladynFixture {
    static let (n, d, t, k, p) = (7, 4, 6, 2, 2)
    static let kt = k + 1

    static func model() throws -> AladynModel {
        var exits: [Int] = []
        var flags: [Bool] = []
        for i in 0..<n {
            for dd in 0..<d {
                let exit = (3 * i + 5 * dd) % (t + 1)
                exits.append(exit)
                flags.append(exit < t && (i + dd) % 2 == 0)
            }
        }
        let outcomes = try AladynOutcomes(individuals: n, diseases: d, ages: t, exitAges: exits, diagnosed: flags)
        var covariates: [Double] = []
        for i in 0..<n { for c in 0..<p { covariates.append(sin(1.3 * Double(i) + 2.1 * Double(c) + 0.2)) } }
        var logits: [Double] = []
        for dd in 0..<d { for a in 0..<t { logits.append(-4 + 0.1 * Double(a) + 0.2 * Double(dd)) } }
        return try AladynModel(
            outcomes: outcomes, covariates: covariates, covariateCount: p, logitPrevalence: logits,
            signatureReferences: [-0.5, 0.5], priorWeight: 0.3)
    }

    /// The centred parameters: λ, φ, ψ, γ, κ as the script defines them.
    static func centred(_ model: AladynModel) throws -> AladynParameters {
        var values: [Double] = []
        for i in 0..<n {
            for kk in 0..<kt {
                for a in 0..<t { values.append(0.8 * sin(1.0 + Double(i) + 2.0 * Double(kk) + 0.3 * Double(a)) + (kk == k ? -2 : 0)) }
            }
        }
        for kk in 0..<kt {
            for dd in 0..<d { for a in 0..<t { values.append(-2 + 0.7 * cos(0.5 + Double(kk) + 1.3 * Double(dd) + 0.2 * Double(a))) } }
        }
        for kk in 0..<kt { for dd in 0..<d { values.append(0.4 * sin(Double(kk * d + dd) + 0.5)) } }
        for c in 0..<p { for kk in 0..<k { values.append(0.3 * cos(Double(c) + 1.7 * Double(kk))) } }
        values.append(0.9)
        return try AladynParameters(dimensions: model.dimensions, form: .centred, values: values)
    }
}
