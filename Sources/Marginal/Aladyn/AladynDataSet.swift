/// ALADYN data read from two CSV files, with the labels of individuals, diseases and covariates.
///
/// - Events (`individual,disease,age,event`): one row per individual–disease pair whose follow-up
///   ends early or with a diagnosis: `age` is the 0-based age index E_id where it ends, `event` 1
///   for a diagnosis there and 0 for censoring there. A pair without a row is followed through all
///   T ages undiagnosed (E_id = T).
/// - Covariates (`individual` and P numeric columns): one row per individual, in the order the
///   model uses.
///
/// T is given, or one more than the largest age in the file.
public struct AladynDataSet: Sendable {
    public var outcomes: AladynOutcomes
    /// Raw covariates, row-major N × P.
    public var covariates: [Double]
    public var individualLabels: [String]
    public var diseaseLabels: [String]
    public var covariateNames: [String]

    public static let eventColumns = ["individual", "disease", "age", "event"]

    public static func read(events eventsPath: String, covariates covariatesPath: String, ages: Int? = nil) throws(AladynError) -> AladynDataSet {
        func frame(_ path: String, categorical: Set<String>) throws(AladynError) -> DataFrame {
            var options = CSVOptions()
            options.factorColumns = categorical
            do {
                return try CSVReader.read(path: path, options: options)
            } catch {
                throw .unreadable(file: path, reason: error.description)
            }
        }
        return try parse(
            events: try frame(eventsPath, categorical: ["individual", "disease"]), eventsName: eventsPath,
            covariates: try frame(covariatesPath, categorical: ["individual"]), covariatesName: covariatesPath, ages: ages)
    }

    /// The same from data frames (`eventsName`, `covariatesName` word the errors). A data row r
    /// (0-based) is reported as line r + 2 (the header is line 1).
    public static func parse(
        events: DataFrame, eventsName: String, covariates: DataFrame, covariatesName: String, ages: Int? = nil
    ) throws(AladynError) -> AladynDataSet {
        for name in events.names where !eventColumns.contains(name) { throw .unknownColumn(file: eventsName, name: name) }
        func column(_ frame: DataFrame, _ name: String, _ file: String) throws(AladynError) -> Column {
            do { return try frame.column(name) } catch { throw .missingColumn(file: file, name: name, available: frame.names) }
        }
        // Individuals and covariates.
        guard case .categorical(let ids) = try column(covariates, "individual", covariatesName) else {
            throw .malformedRow(file: covariatesName, line: 1, reason: "the individual column must hold labels")
        }
        let covariateNames = covariates.names.filter { $0 != "individual" }
        var index: [String: Int] = [:]
        var labels: [String] = []
        for row in 0..<covariates.rowCount {
            guard ids.codes[row] >= 0 else { throw .malformedRow(file: covariatesName, line: row + 2, reason: "the individual is missing") }
            let label = ids.levels[Int(ids.codes[row])]
            guard index[label] == nil else { throw .malformedRow(file: covariatesName, line: row + 2, reason: "individual \"\(label)\" appears twice") }
            index[label] = labels.count
            labels.append(label)
        }
        let n = labels.count
        let p = covariateNames.count
        var values = [Double](repeating: 0, count: n * p)
        for (c, name) in covariateNames.enumerated() {
            guard case .numeric(let numbers) = try column(covariates, name, covariatesName) else {
                throw .malformedRow(file: covariatesName, line: 1, reason: "covariate \"\(name)\" is not numeric")
            }
            for row in 0..<n {
                guard !numbers.missing[row], numbers.values[row].isFinite else {
                    throw .malformedRow(file: covariatesName, line: row + 2, reason: "covariate \"\(name)\" is missing or not finite")
                }
                values[row * p + c] = numbers.values[row]
            }
        }
        // Events.
        let individual = try column(events, "individual", eventsName), disease = try column(events, "disease", eventsName)
        guard case .categorical(let who) = individual, case .categorical(let what) = disease else {
            throw .malformedRow(file: eventsName, line: 1, reason: "the individual and disease columns must hold labels")
        }
        guard case .numeric(let age) = try column(events, "age", eventsName), case .numeric(let event) = try column(events, "event", eventsName) else {
            throw .malformedRow(file: eventsName, line: 1, reason: "the age and event columns must be numeric")
        }
        let rows = events.rowCount
        var largest = -1
        for row in 0..<rows {
            let a = age.values[row]
            guard !age.missing[row], a >= 0, a == a.rounded(), a < 1e9 else {
                throw .malformedRow(file: eventsName, line: row + 2, reason: "the age must be a non-negative whole age index")
            }
            largest = max(largest, Int(a))
        }
        let t = ages ?? (largest + 1)
        guard t >= 1 else { throw .invalidDimension(name: "ages", value: t) }
        let dCount = what.levels.count
        var exits = [Int](repeating: t, count: n * dCount)
        var diagnosed = [Bool](repeating: false, count: n * dCount)
        var seen = [Bool](repeating: false, count: n * dCount)
        for row in 0..<rows {
            let line = row + 2
            guard who.codes[row] >= 0, what.codes[row] >= 0 else { throw .malformedRow(file: eventsName, line: line, reason: "the individual or disease is missing") }
            let label = who.levels[Int(who.codes[row])]
            guard let i = index[label] else {
                throw .malformedRow(file: eventsName, line: line, reason: "individual \"\(label)\" is not in \(covariatesName)")
            }
            let a = Int(age.values[row])
            guard a < t else { throw .malformedRow(file: eventsName, line: line, reason: "age index \(a) is beyond the \(t) ages") }
            guard !event.missing[row], event.values[row] == 0 || event.values[row] == 1 else {
                throw .malformedRow(file: eventsName, line: line, reason: "event must be 0 or 1")
            }
            let cell = i * dCount + Int(what.codes[row])
            guard !seen[cell] else {
                throw .malformedRow(file: eventsName, line: line, reason: "a second row for individual \"\(label)\" and disease \"\(what.levels[Int(what.codes[row])])\"")
            }
            seen[cell] = true
            exits[cell] = a
            diagnosed[cell] = event.values[row] == 1
        }
        return AladynDataSet(
            outcomes: try AladynOutcomes(individuals: n, diseases: dCount, ages: t, exitAges: exits, diagnosed: diagnosed),
            covariates: values, individualLabels: labels, diseaseLabels: what.levels, covariateNames: covariateNames)
    }
}

extension AladynDataSet {
    /// A simulation's data with numbered labels, zero-padded so that their lexicographic order
    /// (the reader's level order) is the simulation's: individuals `i0001`…, diseases `d01`…,
    /// covariates `G01`… (the raw, unstandardized values).
    public init(_ simulation: AladynSimulation) {
        let d = simulation.dimensions
        func labels(_ prefix: String, _ count: Int) -> [String] {
            let width = String(count).count
            return (1...max(count, 1)).prefix(count).map { number in
                let digits = String(number)
                return prefix + String(repeating: "0", count: width - digits.count) + digits
            }
        }
        outcomes = simulation.outcomes
        covariates = simulation.covariates
        individualLabels = labels("i", d.individuals)
        diseaseLabels = labels("d", d.diseases)
        covariateNames = labels("G", d.covariates)
    }

    /// The events file ``read(events:covariates:ages:)`` reads: one row per individual–disease
    /// pair whose follow-up ends before the last age (diagnosed or censored there), by individual.
    /// The reader learns the diseases from these rows, so one that nobody leaves follow-up for
    /// before the last age is not read back.
    public func eventFrame() throws(AladynError) -> DataFrame {
        var who: [Int32] = [], what: [Int32] = [], age: [Double] = [], event: [Double] = []
        let dCount = outcomes.diseases
        for i in 0..<outcomes.individuals {
            for d in 0..<dCount where outcomes.exitAges[i * dCount + d] < outcomes.ages {
                who.append(Int32(i))
                what.append(Int32(d))
                age.append(Double(outcomes.exitAges[i * dCount + d]))
                event.append(outcomes.diagnosed[i * dCount + d] ? 1 : 0)
            }
        }
        return try Self.frame([
            ("individual", .categorical(CategoricalColumn(codes: who, levels: individualLabels))),
            ("disease", .categorical(CategoricalColumn(codes: what, levels: diseaseLabels))),
            ("age", .numeric(NumericColumn(age))), ("event", .numeric(NumericColumn(event))),
        ])
    }

    /// The covariates file: `individual`, then one column per covariate, one row per individual.
    public func covariateFrame() throws(AladynError) -> DataFrame {
        let n = outcomes.individuals, p = covariateNames.count
        var pairs: [(String, Column)] = [("individual", .categorical(CategoricalColumn(codes: (0..<n).map { Int32($0) }, levels: individualLabels)))]
        for (c, name) in covariateNames.enumerated() {
            pairs.append((name, .numeric(NumericColumn((0..<n).map { covariates[$0 * p + c] }))))
        }
        return try Self.frame(pairs)
    }

    private static func frame(_ pairs: [(String, Column)]) throws(AladynError) -> DataFrame {
        do {
            return try DataFrame(pairs)
        } catch {
            throw .invalidValue(what: "the ALADYN data frame", value: "\(pairs.map(\.0))", requirement: error.description)
        }
    }
}
