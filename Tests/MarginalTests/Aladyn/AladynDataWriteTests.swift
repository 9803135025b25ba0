import Foundation
import Testing
@testable import Marginal

/// A simulation written as the events and covariates CSVs reads back as the same data, and its
/// truth as the same parameters.
@Suite struct AladynDataWriteTests {
    @Test func simulationRoundTripsThroughTheFiles() throws {
        let simulation = try AladynSimulation(
            dimensions: AladynDimensions(individuals: 120, diseases: 12, ages: 15, signatures: 2, covariates: 3), seed: 4)
        let data = AladynDataSet(simulation)
        #expect(data.diseaseLabels.first == "d01" && data.individualLabels.last == "i120" && data.covariateNames == ["G1", "G2", "G3"])
        func reread(_ frame: DataFrame, factors: Set<String>) throws -> DataFrame {
            var options = CSVOptions()
            options.factorColumns = factors
            return try CSVReader.read(bytes: Array(CSVWriter.text(frame).utf8), options: options)
        }
        let events = try data.eventFrame()
        let diagnosed = simulation.outcomes.diagnosed.filter { $0 }.count
        #expect(diagnosed > 0 && events.rowCount == diagnosed)  // no early censoring in the simulation
        let read = try AladynDataSet.parse(
            events: reread(events, factors: ["individual", "disease"]), eventsName: "events.csv",
            covariates: reread(data.covariateFrame(), factors: ["individual"]), covariatesName: "covariates.csv",
            ages: simulation.dimensions.ages)
        #expect(read.individualLabels == data.individualLabels && read.covariateNames == data.covariateNames)
        #expect(read.covariates == simulation.covariates)  // written with round-trip precision
        // The reader knows the diseases someone was diagnosed with, in the simulation's order, each
        // with the simulation's histories; the others had no diagnosis.
        let columns = read.diseaseLabels.compactMap { data.diseaseLabels.firstIndex(of: $0) }
        #expect(columns.count == read.diseaseLabels.count && columns == columns.sorted() && !columns.isEmpty)
        let (n, dCount, dRead) = (simulation.dimensions.individuals, simulation.dimensions.diseases, read.diseaseLabels.count)
        for i in 0..<n {
            for (j, d) in columns.enumerated() {
                #expect(read.outcomes.exitAges[i * dRead + j] == simulation.outcomes.exitAges[i * dCount + d])
                #expect(read.outcomes.diagnosed[i * dRead + j] == simulation.outcomes.diagnosed[i * dCount + d])
            }
            for d in 0..<dCount where !columns.contains(d) { #expect(!simulation.outcomes.diagnosed[i * dCount + d]) }
        }

        let truth = AladynTruth(simulation)
        let decoded = try JSONDecoder().decode(AladynTruth.self, from: Data(JSONOutput.encode(truth).utf8))
        #expect(decoded == truth)
        #expect(truth.gamma == simulation.truth.gamma && truth.kappa == 1)
        #expect(truth.lambda.count == 120 * 3 * 15 && truth.phi.count == 3 * 12 * 15 && truth.psi.count == 3 * 12)
    }
}
