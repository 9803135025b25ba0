@testable import Marginal

extension GeneralizedPriors {
    /// The priors of `model` with every fixed effect's set to `fixed` and every SD's to `sd`
    /// (correlations keep their default).
    static func uniform(_ model: GeneralizedLinearMixedModel, fixed: Prior, sd: Prior) throws -> GeneralizedPriors {
        var priors = GeneralizedPriors(design: model.design, blocks: model.blocks)
        for entry in priors.entries where !entry.name.hasPrefix("cor[") {
            try priors.setPrior(entry.name.hasPrefix("b[") ? fixed : sd, for: entry.name)
        }
        return priors
    }
}
