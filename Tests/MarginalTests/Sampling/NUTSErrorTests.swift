import Testing
@testable import Marginal

/// Inputs a user controls give typed errors, never traps.
@Suite struct NUTSErrorTests {
    static func error(_ run: () throws(SamplingError) -> SamplingResult) -> SamplingError? {
        do throws(SamplingError) {
            _ = try run()
            return nil
        } catch {
            return error
        }
    }

    @Test func nonFiniteStartIsATypedError() {
        #expect(
            Self.error { () throws(SamplingError) in
                try NUTS.sample(NarrowSupport(dimension: 2, width: 0), settings: SamplerSettings(chains: 2))
            } == .initializationFailed(chain: 0, attempts: 100, radius: 2))
        #expect(
            Self.error { () throws(SamplingError) in
                try NUTS.sample(
                    NarrowSupport(dimension: 2, width: 1),
                    settings: SamplerSettings(chains: 2, initialPoints: [[0, 0], [3, 0]]))
            } == .nonFiniteInitialPoint(chain: 1))
        #expect(
            Self.error { () throws(SamplingError) in
                try NUTS.sample(
                    NarrowSupport(dimension: 2, width: 0), settings: SamplerSettings(initRadius: 0))
            } == .initializationFailed(chain: 0, attempts: 1, radius: 0))
    }

    @Test func badShapesAndSettingsAreTypedErrors() {
        #expect(
            Self.error { () throws(SamplingError) in
                try NUTS.sample(NarrowSupport(dimension: 0, width: 1))
            } == .zeroDimension)
        #expect(
            Self.error { () throws(SamplingError) in
                try NUTS.sample(
                    IndependentNormal(means: [0, 0], scales: [1, 1]),
                    settings: SamplerSettings(initialPoints: [[0, 0, 0]]))
            } == .initialPointDimension(index: 0, expected: 2, actual: 3))
        let invalid: [SamplerSettings] = [
            SamplerSettings(chains: 0), SamplerSettings(warmup: -1), SamplerSettings(draws: 0),
            SamplerSettings(maxTreeDepth: 0), SamplerSettings(targetAcceptance: 1),
            SamplerSettings(targetAcceptance: .nan), SamplerSettings(initRadius: -1),
            SamplerSettings(initAttempts: 0), SamplerSettings(initialStepSize: 0),
            SamplerSettings(chains: 3, initialPoints: [[0], [0]]),
        ]
        for settings in invalid {
            let error = Self.error { () throws(SamplingError) in
                try NUTS.sample(IndependentNormal(means: [0], scales: [1]), settings: settings)
            }
            guard case .invalidSetting = error else {
                Issue.record("expected invalidSetting for \(settings), got \(String(describing: error))")
                continue
            }
        }
    }

    /// A density that breaks the protocol by resizing the gradient is treated as zero density.
    @Test func resizedGradientCountsAsZeroDensity() {
        struct Resizing: LogDensity {
            var dimension: Int { 2 }
            mutating func logDensity(at x: [Double], gradient: inout [Double]) -> Double {
                gradient = [0]
                return 0
            }
        }
        #expect(
            Self.error { () throws(SamplingError) in try NUTS.sample(Resizing()) }
                == .initializationFailed(chain: 0, attempts: 100, radius: 2))
    }

    /// A flat density never penalizes a step: the step-size search doubles past 10⁷.
    @Test func improperDensityIsDetected() {
        struct Flat: LogDensity {
            var dimension: Int { 1 }
            mutating func logDensity(at x: [Double], gradient: inout [Double]) -> Double {
                gradient[0] = 0
                return 0
            }
        }
        #expect(
            Self.error { () throws(SamplingError) in try NUTS.sample(Flat()) }
                == .improperPosterior(chain: 0))
    }

    @Test func errorMessagesNameTheProblem() {
        #expect(SamplingError.zeroDimension.description.contains("dimension 0"))
        #expect(
            SamplingError.invalidSetting(name: "chains", value: "0", requirement: "at least 1").description
                == "sampler setting 'chains' is 0; it must be at least 1")
        #expect(SamplingError.initializationFailed(chain: 1, attempts: 100, radius: 2).description.contains("chain 2"))
    }
}
