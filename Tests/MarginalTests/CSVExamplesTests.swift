import Foundation
import Testing
@testable import Marginal

/// The repository root, found from this file's path (Tests/MarginalTests/<file>).
private let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Column types and factor levels of the bundled data sets, as exported from R
/// (a copy of data/schema.json).
private struct Schema {
    struct Dataset {
        var rows: Int
        var factorLevels: [String: [String]]
        var numericColumns: Set<String>
    }

    var datasets: [String: Dataset] = [:]

    init() throws {
        let url = repositoryRoot.appendingPathComponent("Tests/MarginalTests/Fixtures/schema.json")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        for (name, value) in try #require(json as? [String: Any]) {
            let entry = try #require(value as? [String: Any])
            let columns = try #require(entry["columns"] as? [String: [String: Any]])
            var dataset = Dataset(rows: try #require(entry["rows"] as? Int), factorLevels: [:], numericColumns: [])
            for (column, description) in columns {
                if description["type"] as? String == "factor" {
                    dataset.factorLevels[column] = try #require(description["levels"] as? [String])
                } else {
                    dataset.numericColumns.insert(column)
                }
            }
            datasets[name] = dataset
        }
    }
}

@Suite struct CSVExamplesTests {
    static let names = ["sleepstudy", "Dyestuff", "Dyestuff2", "Penicillin", "Pastes"]

    private func path(_ name: String) -> String {
        repositoryRoot.appendingPathComponent("Examples/\(name).csv").path
    }

    /// With the schema's factor columns passed as `factorColumns`, R's default level order
    /// (numeric for sleepstudy's Subject, lexicographic for the letters) reproduces the
    /// schema's levels for every factor: no `levelOrders` are needed.
    @Test(arguments: names)
    func factorLevelsMatchTheSchema(name: String) throws {
        let dataset = try #require(try Schema().datasets[name])
        var options = CSVOptions()
        options.factorColumns = Set(dataset.factorLevels.keys)
        let frame = try CSVReader.read(path: path(name), options: options)

        #expect(frame.rowCount == dataset.rows)
        #expect(Set(frame.names) == Set(dataset.factorLevels.keys).union(dataset.numericColumns))
        for (column, levels) in dataset.factorLevels {
            guard case .categorical(let read) = try frame.column(column) else {
                Issue.record("\(name).\(column) should be categorical")
                continue
            }
            #expect(read.levels == levels, "\(name).\(column)")
            #expect(!read.codes.contains(-1), "\(name).\(column) has no missing values")
        }
        for column in dataset.numericColumns {
            guard case .numeric(let read) = try frame.column(column) else {
                Issue.record("\(name).\(column) should be numeric")
                continue
            }
            #expect(!read.missing.contains(true), "\(name).\(column) has no missing values")
        }
    }

    /// Without options, columns are typed as R's `read.csv` types them: sleepstudy's quoted
    /// subject numbers make a numeric column (R reads it as integer).
    @Test func sleepstudyWithoutOptionsAsInR() throws {
        let frame = try CSVReader.read(path: path("sleepstudy"))
        #expect(frame.names == ["Reaction", "Days", "Subject"])
        #expect(frame.rowCount == 180)
        guard case .numeric(let subject) = try frame.column("Subject"),
              case .numeric(let reaction) = try frame.column("Reaction") else {
            Issue.record("Subject and Reaction should be numeric")
            return
        }
        #expect(subject.values.prefix(3) == [308, 308, 308])
        #expect(reaction.values.prefix(2) == [249.56, 258.7047])
        #expect(Set(subject.values).count == 18)
    }

    @Test func dyestuffBatchesAsLetters() throws {
        let frame = try CSVReader.read(path: path("Dyestuff"))
        guard case .categorical(let batch) = try frame.column("Batch"),
              case .numeric(let yield) = try frame.column("Yield") else {
            Issue.record("Batch should be categorical and Yield numeric")
            return
        }
        #expect(batch.levels == ["A", "B", "C", "D", "E", "F"])
        #expect(batch.codes == (0..<6).flatMap { Array(repeating: Int32($0), count: 5) })
        #expect(yield.values.prefix(2) == [1545, 1440])
        // Sum of the 30 yields as computed by R: sum(Dyestuff$Yield) = 45825.
        #expect(yield.values.reduce(0, +) == 45825)
    }
}
