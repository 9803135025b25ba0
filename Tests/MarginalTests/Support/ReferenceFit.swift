import Foundation

/// An lme4 reference fit from Tests/MarginalTests/Fixtures/reference/*.json (the fields the
/// tests compare; the files hold more).
struct ReferenceFit: Decodable {
    struct Fixef: Decodable {
        let term: String
        let estimate: Double
        let std_error: Double
    }
    struct VarComp: Decodable {
        let group: String
        let terms: [String]
        let sd: [Double]
        let corr: [[Double]]
    }
    struct Ranef: Decodable {
        let group: String
        let n_levels: Int
        let terms: [String]
        let levels: [String]
        let modes: [[Double]]
        let cond_sd: [[Double]]
    }
    let name: String
    let dataset: String
    let data_csv: String
    let formula: String
    let REML: Bool
    let nobs: Int
    let fixef: [Fixef]
    let fixef_vcov: [[Double]]
    let varcomp: [VarComp]
    let residual_sd: Double
    let theta: [Double]
    let theta_names: [String]
    let logLik: Double
    let AIC: Double
    let BIC: Double
    let criterion: Double
    let singular: Bool
    let ranef_first5: [Ranef]

    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/reference")

    static func load(_ name: String) throws -> ReferenceFit {
        let data = try Data(contentsOf: directory.appendingPathComponent("\(name).json"))
        return try JSONDecoder().decode(ReferenceFit.self, from: data)
    }

    /// Every reference file's name (without extension).
    static func all() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }
}

/// Relative difference |a − b| / max(|b|, floor).
func relativeError(_ a: Double, _ b: Double, floor: Double = 1e-8) -> Double {
    abs(a - b) / max(abs(b), floor)
}

/// Factor level orders in R's order for the datasets of the reference fits, from
/// Fixtures/schema.json (lme4's datasets) and Fixtures/schema-extra.json (the extra references).
enum ReferenceSchema {
    private struct Dataset: Decodable {
        struct Column: Decodable {
            let type: String
            let levels: [String]?
        }
        let columns: [String: Column]
    }

    static func levelOrders(dataset: String) throws -> [String: [String]] {
        for file in ["schema.json", "schema-extra.json"] {
            let url = ReferenceFit.directory.deletingLastPathComponent().appendingPathComponent(file)
            let schema = try JSONDecoder().decode([String: Dataset].self, from: Data(contentsOf: url))
            if let entry = schema[dataset] {
                return entry.columns.compactMapValues(\.levels)
            }
        }
        return [:]
    }
}
