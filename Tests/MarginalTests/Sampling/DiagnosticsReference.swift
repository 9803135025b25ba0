import Foundation

/// Reference diagnostics computed by ArviZ 0.23.4 on fixed draw matrices, from
/// Tests/MarginalTests/Fixtures/sampling/diagnostics_reference.json (made by
/// make_diagnostics_reference.py in the same folder).
struct DiagnosticsReference: Decodable {
    struct Case: Decodable {
        let name: String
        let draws: [[Double]]
        let rhat: Double
        let rhat_bulk: Double
        let rhat_basic: Double
        let ess_bulk: Double
        let ess_tail: Double
        let ess_mean: Double
        let ess_q05: Double
        let ess_q95: Double
        let mcse_mean: Double
        let mean: Double
        let sd: Double
        let q5: Double
        let q50: Double
        let q95: Double
        let bfmi: [Double]
    }
    struct NormalQuantiles: Decodable {
        let p: [Double]
        let z: [Double]
    }
    let cases: [Case]
    let normal_quantile: NormalQuantiles

    static func load() throws -> DiagnosticsReference {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/sampling/diagnostics_reference.json")
        return try JSONDecoder().decode(DiagnosticsReference.self, from: Data(contentsOf: url))
    }
}
