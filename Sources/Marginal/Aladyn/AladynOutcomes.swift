/// The outcomes ALADYN models: for each individual i and disease d, the age index E_id at which
/// follow-up ends and whether it ends with a diagnosis. Individual i is at risk of disease d at ages
/// t = 0, …, min(E_id, T − 1); E_id = T means followed to the last age with no diagnosis.
///
/// This is the published code's (Y, E) pair (`clust_huge_amp_vectorized.py` lines 237–247): its
/// N × D × T indicator Y is 1 only at (i, d, E_id) for a diagnosis; ages before E_id contribute
/// log(1 − π), age E_id contributes log π_idE for a diagnosis and log(1 − π_idE) for censoring there.
public struct AladynOutcomes: Sendable, Equatable {
    public let individuals: Int
    public let diseases: Int
    public let ages: Int
    /// E_id, row-major N × D, each in 0…T.
    public let exitAges: [Int]
    /// Whether follow-up of (i, d) ends with a diagnosis at E_id (always false when E_id = T).
    public let diagnosed: [Bool]

    public init(individuals: Int, diseases: Int, ages: Int, exitAges: [Int], diagnosed: [Bool]) throws(AladynError) {
        guard individuals >= 1 else { throw .invalidDimension(name: "individuals", value: individuals) }
        guard diseases >= 1 else { throw .invalidDimension(name: "diseases", value: diseases) }
        guard ages >= 1 else { throw .invalidDimension(name: "ages", value: ages) }
        let count = individuals * diseases
        guard exitAges.count == count else { throw .sizeMismatch(what: "the exit ages", expected: count, found: exitAges.count) }
        guard diagnosed.count == count else { throw .sizeMismatch(what: "the diagnosis flags", expected: count, found: diagnosed.count) }
        for index in 0..<count {
            guard (0...ages).contains(exitAges[index]) else {
                throw .invalidValue(
                    what: "the exit age of individual \(index / diseases), disease \(index % diseases)",
                    value: "\(exitAges[index])", requirement: "an age index in 0…\(ages)")
            }
            guard !(diagnosed[index] && exitAges[index] == ages) else {
                throw .invalidValue(
                    what: "the diagnosis of individual \(index / diseases), disease \(index % diseases)",
                    value: "at age index \(ages)", requirement: "at an age index below \(ages)")
            }
        }
        self.init(checked: individuals, diseases: diseases, ages: ages, exitAges: exitAges, diagnosed: diagnosed)
    }

    private init(checked individuals: Int, diseases: Int, ages: Int, exitAges: [Int], diagnosed: [Bool]) {
        self.individuals = individuals
        self.diseases = diseases
        self.ages = ages
        self.exitAges = exitAges
        self.diagnosed = diagnosed
    }

    /// The number of diagnoses.
    public var diagnosisCount: Int { diagnosed.reduce(0) { $0 + ($1 ? 1 : 0) } }

    /// The same individuals followed only up to `enrollment` (an age index): E_id becomes
    /// min(E_id, enrollment), and a diagnosis after that age is censored. For predicting from the
    /// history before enrollment.
    public func censored(at enrollment: Int) -> AladynOutcomes {
        let cut = max(0, min(enrollment, ages))
        var exits = exitAges
        var flags = diagnosed
        for index in exits.indices where exits[index] > cut {
            exits[index] = cut
            flags[index] = false
        }
        return AladynOutcomes(checked: individuals, diseases: diseases, ages: ages, exitAges: exits, diagnosed: flags)
    }

    /// The individuals `rows` (indices below ``individuals``), in that order.
    public func individuals(_ rows: [Int]) throws(AladynError) -> AladynOutcomes {
        guard !rows.isEmpty else { throw .invalidDimension(name: "individuals", value: 0) }
        for i in rows where !(0..<individuals).contains(i) {
            throw .invalidValue(what: "an individual index", value: "\(i)", requirement: "in 0..<\(individuals)")
        }
        var exits: [Int] = []
        var flags: [Bool] = []
        exits.reserveCapacity(rows.count * diseases)
        flags.reserveCapacity(rows.count * diseases)
        for i in rows {
            exits.append(contentsOf: exitAges[(i * diseases)..<((i + 1) * diseases)])
            flags.append(contentsOf: diagnosed[(i * diseases)..<((i + 1) * diseases)])
        }
        return AladynOutcomes(checked: rows.count, diseases: diseases, ages: ages, exitAges: exits, diagnosed: flags)
    }
}
