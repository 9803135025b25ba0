import Foundation

/// Prediction for new individuals as published (`clust_huge_amp_fixedPhi_vectorized_fixed_gamma_fixed_kappa.py`):
/// the population parameters (φ, ψ, γ, κ) fixed at a fit, each new individual's λ fitted by the same
/// Adam (λ's learning rate, `epochs` steps) to its history censored at the enrollment age e, from
/// the prior mean m(γ̂). Then
///
/// - the held-out NLL: the likelihood term of the ages after e (the full history's minus the
///   censored history's), per new individual;
/// - the AUC of the 10-year risk 1 − Π_{t=e+1}^{e+10} (1 − π_idt) for the pairs still undiagnosed
///   at e, against a diagnosis within those ages (pooled over diseases; Mann–Whitney with ties).
public struct AladynPrediction: Sendable, Equatable {
    public var heldOutNLL: Double
    public var auc: Double?

    /// `fitted`: population parameters of a fit of `trainingModel`; `outcomes`, `covariates` (raw,
    /// N_new × P): the new individuals' full histories.
    public static func evaluate(
        fitted: AladynParameters, trainingModel: AladynModel, outcomes: AladynOutcomes, covariates: [Double],
        enrollment: Int, horizon: Int = 10, epochs: Int = 300, learningRate: Double = 0.1
    ) throws(AladynError) -> AladynPrediction {
        guard (0..<outcomes.ages).contains(enrollment) else {
            throw .invalidValue(what: "the enrollment age index", value: "\(enrollment)", requirement: "in 0..<\(outcomes.ages)")
        }
        let population = try trainingModel.converted(fitted, to: .centred)
        func model(_ o: AladynOutcomes) throws(AladynError) -> AladynModel {
            try AladynModel(
                outcomes: o, covariates: covariates, covariateCount: trainingModel.dimensions.covariates,
                logitPrevalence: trainingModel.logitPrevalence, signatureReferences: trainingModel.signatureReferences,
                healthyReference: trainingModel.healthyReference, priorWeight: trainingModel.priorWeight)
        }
        let censoredModel = try model(outcomes.censored(at: enrollment))
        let fullModel = try model(outcomes)
        let d = censoredModel.dimensions
        let t = d.ages
        var mean = [Double](repeating: 0, count: d.individuals * d.totalSignatures)
        censoredModel.fillLambdaMean(gamma: population[.covariateEffects], into: &mean)
        let lambda = mean.flatMap { Array(repeating: $0, count: t) }
        let start = try AladynParameters(
            dimensions: d, form: .centred,
            values: lambda + population[.diseaseLogits] + population[.diseaseOffsets] + population[.covariateEffects] + [population.kappa])
        let fit = try AladynFit.adam(
            censoredModel, start: start, epochs: epochs, learningRate: learningRate,
            fixed: [.diseaseLogits, .diseaseOffsets, .covariateEffects, .scale])
        let before = try AladynObjective(model: censoredModel, form: .centred).evaluate(fit.parameters).likelihood
        let all = try AladynObjective(model: fullModel, form: .centred).evaluate(fit.parameters).likelihood
        return AladynPrediction(
            heldOutNLL: all - before,
            auc: areaUnderCurve(fit.parameters, outcomes: outcomes, enrollment: enrollment, horizon: horizon))
    }

    /// The pooled AUC of the `horizon`-age risk after `enrollment`.
    static func areaUnderCurve(_ parameters: AladynParameters, outcomes: AladynOutcomes, enrollment e: Int, horizon: Int) -> Double? {
        let d = parameters.dimensions
        let (kt, dCount, t) = (d.totalSignatures, d.diseases, d.ages)
        let lambda = parameters[.trajectories], phi = parameters[.diseaseLogits]
        let (l0, f0) = (lambda.startIndex, phi.startIndex)
        let last = min(e + horizon, t - 1)
        guard last > e else { return nil }
        var theta = [Double](repeating: 0, count: kt * t)
        var scored: [(risk: Double, positive: Bool)] = []
        for i in 0..<d.individuals {
            let row = Array(lambda[(l0 + i * kt * t)..<(l0 + (i + 1) * kt * t)])
            row.withUnsafeBufferPointer { l in
                theta.withUnsafeMutableBufferPointer { th in
                    AladynLikelihood.softmax(l.baseAddress!, into: th.baseAddress!, signatures: kt, ages: t)
                }
            }
            for dd in 0..<dCount where outcomes.exitAges[i * dCount + dd] > e {
                var survival = 1.0
                for a in (e + 1)...last {
                    var mix = 0.0
                    for k in 0..<kt { mix += theta[k * t + a] / (1 + exp(-phi[f0 + (k * dCount + dd) * t + a])) }
                    let pi = min(max(parameters.kappa * mix, AladynLikelihood.lowerClamp), AladynLikelihood.upperClamp)
                    survival *= 1 - pi
                }
                let exit = outcomes.exitAges[i * dCount + dd]
                scored.append((1 - survival, outcomes.diagnosed[i * dCount + dd] && exit <= last))
            }
        }
        return mannWhitneyAUC(scored)
    }

    /// P(risk of a positive > risk of a negative) + ½ P(tie), by ranks.
    static func mannWhitneyAUC(_ scored: [(risk: Double, positive: Bool)]) -> Double? {
        let positives = scored.filter(\.positive).count
        let negatives = scored.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        let sorted = scored.sorted { $0.risk < $1.risk }
        var rankSum = 0.0
        var start = 0
        while start < sorted.count {
            var end = start
            while end + 1 < sorted.count && sorted[end + 1].risk == sorted[start].risk { end += 1 }
            let rank = Double(start + end + 2) / 2
            for j in start...end where sorted[j].positive { rankSum += rank }
            start = end + 1
        }
        return (rankSum - Double(positives * (positives + 1)) / 2) / (Double(positives) * Double(negatives))
    }
}
