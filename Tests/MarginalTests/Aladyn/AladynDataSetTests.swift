import Foundation
import Testing
@testable import Marginal

/// Reading ALADYN events and covariates, and the errors' wording (file, line).
@Suite struct AladynDataSetTests {
    static let covariates = "individual,x1,x2\na,1,2\nb,3,5\nc,0,1\n"

    static func parse(_ events: String, ages: Int? = 5) throws(AladynError) -> AladynDataSet {
        func frame(_ text: String, _ factors: Set<String>) -> DataFrame {
            var options = CSVOptions()
            options.factorColumns = factors
            return (try? CSVReader.read(bytes: Array(text.utf8), options: options)) ?? DataFrame()
        }
        return try AladynDataSet.parse(
            events: frame(events, ["individual", "disease"]), eventsName: "events.csv",
            covariates: frame(covariates, ["individual"]), covariatesName: "covariates.csv", ages: ages)
    }

    @Test func readsExitAgesAndDiagnoses() throws {
        let data = try Self.parse("individual,disease,age,event\na,flu,2,1\nb,cold,0,0\nc,flu,4,1\n")
        #expect(data.individualLabels == ["a", "b", "c"] && data.diseaseLabels == ["cold", "flu"])
        #expect(data.covariateNames == ["x1", "x2"] && data.covariates == [1, 2, 3, 5, 0, 1])
        // Rows: a (cold, flu), b, c; a pair without a row is followed through all 5 ages.
        #expect(data.outcomes.exitAges == [5, 2, 0, 5, 5, 4])
        #expect(data.outcomes.diagnosed == [false, true, false, false, false, true])
        let inferred = try Self.parse("individual,disease,age,event\na,flu,2,1\n", ages: nil)
        #expect(inferred.outcomes.ages == 3)
    }

    @Test func errorsNameTheFileAndLine() {
        #expect(throws: AladynError.unknownColumn(file: "events.csv", name: "sex")) {
            try Self.parse("individual,disease,age,event,sex\na,flu,2,1,f\n")
        }
        #expect(throws: AladynError.malformedRow(file: "events.csv", line: 3, reason: "age index 7 is beyond the 5 ages")) {
            try Self.parse("individual,disease,age,event\na,flu,2,1\nb,flu,7,0\n")
        }
        #expect(throws: AladynError.malformedRow(file: "events.csv", line: 3, reason: "a second row for individual \"a\" and disease \"flu\"")) {
            try Self.parse("individual,disease,age,event\na,flu,2,1\na,flu,3,0\n")
        }
        #expect(throws: AladynError.malformedRow(file: "events.csv", line: 2, reason: "individual \"z\" is not in covariates.csv")) {
            try Self.parse("individual,disease,age,event\nz,flu,2,1\n")
        }
        #expect(throws: AladynError.malformedRow(file: "events.csv", line: 2, reason: "event must be 0 or 1")) {
            try Self.parse("individual,disease,age,event\na,flu,2,2\n")
        }
        #expect(throws: AladynError.missingColumn(file: "events.csv", name: "event", available: ["individual", "disease", "age"])) {
            try Self.parse("individual,disease,age\na,flu,2\n")
        }
    }
}
