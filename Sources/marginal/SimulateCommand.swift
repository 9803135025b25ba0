import ArgumentParser
import Marginal

/// `marginal simulate`: writes synthetic data sets for benchmarks and examples.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Write a simulated data set, or responses simulated from a saved fit, as CSV (deterministic for a seed).",
        subcommands: [SimulateInstEvalCommand.self, SimulateGroupedCommand.self, SimulateAladynCommand.self, SimulateFitCommand.self]
    )
}

/// `marginal simulate insteval`: the crossed student × lecturer design of lme4's InstEval.
struct SimulateInstEvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "insteval",
        abstract: "An InstEval-shaped design for y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept).",
        discussion: """
            Columns s, d, dept, service (categorical, numbered labels) and y. Without --students or \
            --lecturers the counts scale with --rows: students in proportion to the rows, lecturers \
            to their square root (73,421 rows give InstEval's 2,972 students and 1,128 lecturers; \
            1,000,000 rows give 40,479 and 4,163). Read s, d, dept and service as factors.
            """
    )

    @Option(help: "Number of rows (ratings).")
    var rows: Int = InstEvalSimulation.instEvalRows

    @Option(help: "Number of students (levels of s); default scales with --rows.")
    var students: Int?

    @Option(help: "Number of lecturers (levels of d); default scales with the square root of --rows.")
    var lecturers: Int?

    @Option(help: "Number of departments (levels of dept); each lecturer belongs to one.")
    var departments: Int?

    @Option(help: "Seed of the random streams.")
    var seed: UInt64 = 1

    @Option(name: .shortAndLong, help: "CSV file to write (replaced only once complete).")
    var output: String

    func run() throws {
        try OutputDestination.validate(outputs: [("--output", output)], inputs: [])
        var simulation = InstEvalSimulation.scaled(rows: rows, seed: seed)
        if let students { simulation.students = students }
        if let lecturers {
            simulation.lecturers = lecturers
            if departments == nil { simulation.departments = min(InstEvalSimulation.defaultDepartments, lecturers) }
        }
        if let departments { simulation.departments = departments }
        let data = try simulation.generate()
        try OutputDestination(path: output).write(csv: data.frame)
        print("wrote \(output): \(simulation.rows) rows, \(simulation.students) students, "
            + "\(simulation.lecturers) lecturers, \(simulation.departments) departments (seed \(seed))")
    }
}

/// `marginal simulate grouped`: a random-intercept design with two covariates.
struct SimulateGroupedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grouped",
        abstract: "A random-intercept design for y ~ 1 + x1 + x2 + (1 | g).",
        discussion: "Columns y, x1, x2 (numeric) and g (categorical, numbered labels; read it as a factor)."
    )

    @Option(help: "Number of rows.")
    var rows: Int = 20_000

    @Option(help: "Number of groups (levels of g), each used at least once.")
    var groups: Int = 1_000

    @Option(help: "Lognormal spread of the group sizes (0 = balanced).")
    var groupSpread: Double = 0

    @Option(help: "Seed of the random streams.")
    var seed: UInt64 = 1

    @Option(name: .shortAndLong, help: "CSV file to write (replaced only once complete).")
    var output: String

    func run() throws {
        try OutputDestination.validate(outputs: [("--output", output)], inputs: [])
        var simulation = GroupedSimulation(seed: seed)
        simulation.rows = rows
        simulation.groups = groups
        simulation.groupSpread = groupSpread
        let data = try simulation.generate()
        try OutputDestination(path: output).write(csv: data.frame)
        print("wrote \(output): \(rows) rows, \(groups) groups (seed \(seed))")
    }
}

/// `marginal simulate aladyn`: ALADYN disease histories with the truth that generated them.
struct SimulateAladynCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aladyn",
        abstract: "ALADYN disease histories (events and covariates CSVs) and the truth as JSON.",
        discussion: """
            The data-generating process of the published parameter-recovery notebook (the one \
            `marginal example aladyn` fits). The events file has one row per individual and disease \
            whose follow-up ends before the last age: individual, disease, age (0-based age index), \
            event (1 diagnosed there, 0 censored there); a pair without a row is followed through all \
            ages undiagnosed. The covariates file has individual and G1..GP (raw; the model \
            standardizes them). The truth (JSON): dimensions, gamma (P x K, covariate-major), psi \
            ((K+1) x D), kappa, signatureReferences, logitPrevalence (D x T), phi ((K+1) x D x T), \
            lambda (N x (K+1) x T), all row-major with the last index fastest.
            """
    )

    @OptionGroup var dimensions: AladynDimensionOptions

    @Option(help: "Seed of the random streams.")
    var seed: UInt64 = 1

    @Option(name: .customLong("events-out"), help: "Events CSV to write (replaced only once complete).")
    var eventsOut: String

    @Option(name: .customLong("covariates-out"), help: "Covariates CSV to write.")
    var covariatesOut: String

    @Option(name: .customLong("truth-out"), help: "JSON file for the true parameters.")
    var truthOut: String

    func run() throws {
        try OutputDestination.validate(outputs: [("--events-out", eventsOut), ("--covariates-out", covariatesOut), ("--truth-out", truthOut)], inputs: [])
        let simulation = try AladynSimulation(dimensions: dimensions.dimensions, seed: seed)
        let data = AladynDataSet(simulation)
        let events = try data.eventFrame()
        let covariateFrame = try data.covariateFrame()
        let truth = try JSONOutput.encode(AladynTruth(simulation))
        try OutputDestination(path: eventsOut).write(csv: events)
        try OutputDestination(path: covariatesOut).write(csv: covariateFrame)
        try OutputDestination(path: truthOut).write(truth)
        let d = dimensions
        print("wrote \(eventsOut) (\(events.rowCount) rows), \(covariatesOut), \(truthOut): "
            + "\(d.individuals) individuals, \(d.diseases) diseases, \(d.ages) ages, \(d.signatures) + 1 signatures, \(d.covariates) covariates (seed \(seed))")
    }
}
