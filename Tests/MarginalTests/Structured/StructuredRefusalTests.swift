import Foundation
import Testing
@testable import Marginal

/// The methods that read θ as the elements of λ refuse a model with a structured term with a
/// typed error naming the method, rather than fitting an unstructured model in its place.
@Suite struct StructuredRefusalTests {
    static func model() throws -> LinearMixedModel {
        let data = try CSVReader.read(path: StructuredCovarianceReferenceTests.directory + "orthodont.csv")
        return try LinearMixedModel(formula: "distance ~ age + ar1(age + 0 | Subject)", data: data)
    }

    @Test func methodsThatReadThetaAsLambdaRefuse() throws {
        let model = try Self.model()
        let required = { (method: String) in MixedModelError.unstructuredCovarianceRequired(method: method) }
        #expect(throws: EstimationError.unsupportedModel(required("EM"))) { try model.fitEM() }
        #expect(throws: EstimationError.unsupportedModel(required("joint MAP"))) { try model.fitJointMAP() }
        #expect(throws: EstimationError.unsupportedModel(required("variational Bayes"))) { try model.fitMeanFieldVI() }
        #expect(throws: required("compare")) { try model.validate(ComparisonSettings()) }
        let fit = try model.fit(criterion: .reml)
        #expect(throws: required("profiling (--confint profile)")) { try model.profileIntervals(fit) }
        #expect(throws: KenwardRogerError.structuredCovariance) { try KenwardRoger(model: model, fit: fit) }
        #expect(throws: BayesianError.strategy(required("sampling").description)) {
            try BayesianMixedModel(model: model).sample(settings: SamplerSettings(chains: 1, warmup: 10, draws: 10))
        }
    }
}
