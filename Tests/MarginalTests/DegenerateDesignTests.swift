import Foundation
import Testing
@testable import Marginal

/// Designs that lme4 flags are flagged: a slope on a constant column, a grouping factor that is
/// also a fixed factor, and a response that the model fits exactly.
@Suite struct DegenerateDesignTests {
    static let data = "y,g,k\n1.2,a,3\n1.5,a,3\n0.9,a,3\n5.1,b,3\n4.8,b,3\n5.3,b,3\n2.2,c,3\n2.5,c,3\n1.7,c,3\n3.3,d,3\n3.9,d,3\n3.1,d,3\n"

    static func design(_ formula: String, data: String = data) throws -> ModelDesign {
        try ModelDesign(formula: formula, data: CSVReader.read(bytes: Array(data.utf8)))
    }

    @Test func slopeOnAConstantColumnIsFlagged() throws {
        let flagged = try Self.design("y ~ 1 + (1 + k | g)")
        #expect(flagged.warnings.contains { $0.contains("linearly dependent columns ('k'") }, "\(flagged.warnings)")
        #expect(try Self.design("y ~ 1 + (1 | g)").warnings.isEmpty)
    }

    @Test func groupingFactorAlsoFixedIsFlagged() throws {
        let flagged = try Self.design("y ~ g + (1 | g)")
        #expect(flagged.warnings.contains { $0.contains("both a fixed effect and a grouping factor") }, "\(flagged.warnings)")
    }

    @Test func exactFitIsFlagged() throws {
        let exact = "y,g\n1,a\n1,a\n1,a\n5,b\n5,b\n5,b\n2,c\n2,c\n2,c\n"
        let fit = try LinearMixedModel(design: Self.design("y ~ 1 + (1 | g)", data: exact)).fit()
        #expect(fit.warnings.contains { $0.contains("fits the data exactly") }, "\(fit.warnings)")
        let ordinary = try LinearMixedModel(design: Self.design("y ~ 1 + (1 | g)")).fit()
        #expect(!ordinary.warnings.contains { $0.contains("exactly") })
    }
}
