import Foundation
import Testing
@testable import Marginal

/// ALADYN fitted from its files: the fit of the files `marginal simulate aladyn` writes is the
/// fit of the simulation's own outcomes and covariates (same model, start and optimizer), and the
/// command line runs it end to end.
@Suite struct AladynDataFitTests {
    static let dimensions = AladynDimensions(individuals: 300, diseases: 8, ages: 52, signatures: 2, covariates: 3)

    @Test func fileFitIsTheSimulationsFit() throws {
        let simulation = try AladynSimulation(dimensions: Self.dimensions, seed: 6)
        let data = AladynDataSet(simulation)
        func reread(_ frame: DataFrame, factors: Set<String>) throws -> DataFrame {
            var options = CSVOptions()
            options.factorColumns = factors
            return try CSVReader.read(bytes: Array(CSVWriter.text(frame).utf8), options: options)
        }
        let read = try AladynDataSet.parse(
            events: reread(data.eventFrame(), factors: ["individual", "disease"]), eventsName: "events.csv",
            covariates: reread(data.covariateFrame(), factors: ["individual"]), covariatesName: "covariates.csv", ages: 52)
        try #require(read.diseaseLabels.count == 8, "every disease needs a diagnosis for the comparison")
        let fit = try AladynDataFit(data: read, signatures: 2, method: .mapNonCentred, epochs: 15, seed: 3)
        // By hand: the same model, start and arm on the simulation's arrays.
        let model = try AladynModel(
            outcomes: simulation.outcomes, covariates: simulation.covariates, covariateCount: 3,
            logitPrevalence: AladynPrevalence.smoothedLogit(simulation.outcomes), signatureReferences: [-1, 1])
        let start = try AladynInitialization.published(model, form: .centred, seed: 3)
        let direct = try AladynFit.adam(model, start: try model.converted(start, to: .nonCentred), epochs: 15)
        #expect(fit.loss == direct.loss && direct.trace.count == 16)
        #expect(fit.gamma == (try model.converted(direct.parameters, to: .centred)).gamma)
        #expect(fit.gamma.count == 3 * 2 && fit.psi.count == 3 * 8 && fit.covariateNames == ["G1", "G2", "G3"])
        #expect(fit.text.contains("ALADYN fit by map-nc") && fit.text.contains("signature 2"))
    }

    @Test func commandLineSimulatesAndFits() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("marginal-aladyn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (events, covariates, truth) = ["events.csv", "covariates.csv", "truth.json"].map { directory.appendingPathComponent($0).path }.tuple3
        let simulate = try CommandLineTests.marginal([
            "simulate", "aladyn", "--individuals", "200", "--diseases", "6", "--signatures", "2", "--covariates", "2",
            "--events-out", events, "--covariates-out", covariates, "--truth-out", truth])
        #expect(simulate.status == 0, "\(simulate.stderr)")
        let truthJSON = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: truth))) as? [String: Any])
        #expect((truthJSON["gamma"] as? [Double])?.count == 4 && truthJSON["kappa"] as? Double == 1)
        let fit = try CommandLineTests.marginal([
            "aladyn", events, covariates, "--signatures", "2", "--epochs", "5", "--ages", "52", "--json"])
        #expect(fit.status == 0, "\(fit.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(fit.stdout.utf8)) as? [String: Any])
        #expect(json["method"] as? String == "map" && (json["gamma"] as? [Double])?.count == 4)
        let bad = try CommandLineTests.marginal(["aladyn", events, covariates, "--signatures", "2", "--method", "laplace"])
        #expect(bad.status != 0 && bad.stderr.contains("'laplace'") && bad.stderr.contains("'map-nc-lbfgs'") && bad.stderr.contains("'marginal'"))
    }
}

private extension Array {
    var tuple3: (Element, Element, Element) { (self[0], self[1], self[2]) }
}
