/// Options for a simulated data set that cannot be met.
public enum SimulationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A count (rows, levels) that must be at least `minimum`.
    case countTooSmall(name: String, value: Int, minimum: Int)
    /// A factor with more levels than can each be used at least once.
    case tooManyLevels(name: String, levels: Int, limit: Int, limitName: String)
    /// More rows than 32-bit level codes can index.
    case tooManyRows(value: Int, limit: Int)
    /// A standard deviation or spread that is negative, infinite or NaN.
    case invalidScale(name: String, value: Double)
    /// A lognormal spread of level sizes outside [0, ``maximumSpread``].
    case invalidSpread(name: String, value: Double)
    /// A probability outside [0, 1].
    case invalidProbability(name: String, value: Double)
    /// A fixed-effect value that is infinite or NaN.
    case nonFiniteValue(name: String, value: Double)
    /// The generated columns did not form a data frame (a defect in the simulator, not in the options).
    case invalidFrame(DataError)

    public var description: String {
        switch self {
        case .countTooSmall(let name, let value, let minimum):
            return "\(name) must be at least \(minimum), got \(value)"
        case .tooManyLevels(let name, let levels, let limit, let limitName):
            return "\(levels) \(name) cannot each be used at least once with \(limit) \(limitName); "
                + "ask for at most \(limit) \(name) or more \(limitName)"
        case .tooManyRows(let value, let limit):
            return "\(value) rows is more than the \(limit) a data frame's 32-bit level codes can index"
        case .invalidScale(let name, let value):
            return "\(name) must be a finite number ≥ 0, got \(value)"
        case .invalidSpread(let name, let value):
            return "\(name) must be between 0 and \(Int(SimulationCheck.maximumSpread)) "
                + "(0 = equal sizes, 1 = as skewed as InstEval's lecturers), got \(value)"
        case .invalidProbability(let name, let value):
            return "\(name) must be a probability between 0 and 1, got \(value)"
        case .nonFiniteValue(let name, let value):
            return "\(name) must be a finite number, got \(value)"
        case .invalidFrame(let error):
            return "the simulated columns do not form a data frame: \(error)"
        }
    }
}

/// Checks shared by the simulators.
enum SimulationCheck {
    static func count(_ name: String, _ value: Int, atLeast minimum: Int) throws(SimulationError) {
        guard value >= minimum else { throw .countTooSmall(name: name, value: value, minimum: minimum) }
    }

    static func levels(_ name: String, _ levels: Int, atMost limit: Int, _ limitName: String) throws(SimulationError) {
        guard levels <= limit else {
            throw .tooManyLevels(name: name, levels: levels, limit: limit, limitName: limitName)
        }
    }

    static func rowLimit(_ rows: Int) throws(SimulationError) {
        let limit = Int(Int32.max)
        guard rows <= limit else { throw .tooManyRows(value: rows, limit: limit) }
    }

    static func scale(_ name: String, _ value: Double) throws(SimulationError) {
        guard value.isFinite, value >= 0 else { throw .invalidScale(name: name, value: value) }
    }

    /// Beyond this lognormal spread nearly all rows go to one level; it also keeps exp() finite.
    static let maximumSpread = 10.0

    static func spread(_ name: String, _ value: Double) throws(SimulationError) {
        guard value >= 0, value <= maximumSpread else { throw .invalidSpread(name: name, value: value) }
    }

    static func probability(_ name: String, _ value: Double) throws(SimulationError) {
        guard value >= 0, value <= 1 else { throw .invalidProbability(name: name, value: value) }
    }

    static func frame(_ columns: [(String, Column)]) throws(SimulationError) -> DataFrame {
        do {
            return try DataFrame(columns)
        } catch {
            throw .invalidFrame(error)
        }
    }

    static func finite(_ name: String, _ value: Double) throws(SimulationError) {
        guard value.isFinite else { throw .nonFiniteValue(name: name, value: value) }
    }
}
