import Foundation
import Testing
@testable import Marginal

/// The methods that read θ as the elements of λ refuse a model with a structured term with a
/// typed error naming the method, rather than fitting an unstructured model in its place; the
/// sampler takes it only with every effect integrated out.
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
        // compare runs the methods that take structures.
        try model.validate(ComparisonSettings())
        #expect(Set(model.estimationMethods) == [.reml, .ml, .nuts])
        let fit = try model.fit(criterion: .reml)
        #expect(throws: required("profiling (--confint profile)")) { try model.profileIntervals(fit) }
        #expect(throws: KenwardRogerError.structuredCovariance) { try KenwardRoger(model: model, fit: fit) }
        // Sampling integrates every effect out (the structure's layout is the marginalized density's).
        #expect(throws: BayesianError.strategy("with a covariance structure such as ar1(...), sampling integrates every random effect out: use --marginalize all")) {
            try BayesianMixedModel(model: model, strategy: .marginalizeNone(.nonCentered)).sample(settings: SamplerSettings(chains: 1, warmup: 10, draws: 10))
        }
    }
}
