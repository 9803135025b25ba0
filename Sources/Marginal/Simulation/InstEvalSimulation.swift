/// A synthetic design shaped like lme4's `InstEval` (lecture evaluations at ETH Zürich), for
/// benchmarking fits of `y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept)`.
///
/// Each row is one rating: one student `s` × one lecturer `d`. Lecturers are nested in
/// departments `dept` (each lecturer belongs to exactly one), while students and lecturers are
/// crossed. `service` is a two-level factor ("0", "1") drawn per row. The response is
///
///     y = α + β·[service = 1] + u_s + u_d + u_dept + ε,
///     u_s ~ N(0, σ_s²), u_d ~ N(0, σ_d²), u_dept ~ N(0, σ_dept²), ε ~ N(0, σ²),
///
/// with defaults set to lme4's REML fit of that model to the real InstEval data (α = 3.28,
/// β = −0.093, σ_s = 0.326, σ_d = 0.515, σ_dept = 0.083, σ = 1.178). How many ratings each
/// student and each lecturer gives follows ``skewedLevelSizes(total:levels:spread:random:)``
/// (lognormal weights, every level used at least once); the student sizes are laid out row by
/// row and the lecturer sizes are shuffled against them. A student may rate a lecturer twice.
///
/// Three independent streams of one seed drive the design (sizes, pairing, departments,
/// service), the random effects, and the residuals, so changing a standard deviation changes
/// `y` but not the design.
public struct InstEvalSimulation: Sendable, Equatable {
    /// Rows of lme4's InstEval.
    public static let instEvalRows = 73_421
    /// Students in lme4's InstEval.
    public static let instEvalStudents = 2_972
    /// Lecturers in lme4's InstEval.
    public static let instEvalLecturers = 1_128
    /// Departments in this benchmark's design (twice InstEval's 14, to stress the third term).
    public static let defaultDepartments = 28

    public var rows: Int = instEvalRows
    public var students: Int = instEvalStudents
    public var lecturers: Int = instEvalLecturers
    public var departments: Int = defaultDepartments
    public var seed: UInt64 = 1

    /// α, the mean rating for `service` = "0".
    public var intercept: Double = 3.2826
    /// β, the shift for `service` = "1".
    public var serviceEffect: Double = -0.0926
    public var studentSD: Double = 0.3256
    public var lecturerSD: Double = 0.5150
    public var departmentSD: Double = 0.0831
    public var residualSD: Double = 1.1775
    /// Probability that a rating is of a service lecture (0.433 in InstEval).
    public var serviceProbability: Double = 0.433
    /// Lognormal spread of ratings per student (see ``skewedLevelSizes(total:levels:spread:random:)``).
    public var studentSpread: Double = 0.65
    /// Lognormal spread of ratings per lecturer.
    public var lecturerSpread: Double = 1.0

    /// The InstEval-sized design (73,421 rows, 2,972 students, 1,128 lecturers, 28 departments).
    public init(seed: UInt64 = 1) {
        self.seed = seed
    }

    /// The design scaled to `rows` rows, with the student count proportional to `rows` and the
    /// lecturer count proportional to √`rows`:
    ///
    ///     students  = round(2,972 · rows / 73,421)
    ///     lecturers = round(1,128 · √(rows / 73,421))
    ///     departments = min(28, lecturers)
    ///
    /// Why the lecturers grow more slowly: in the blocked Cholesky factor of an LMM with crossed
    /// factors the first (largest) factor's block stays diagonal, but the second factor's block
    /// fills in and is dense, so its size q_d sets the cost of each evaluation — O(q_d³) time and
    /// O(q_d²) memory. Ratings per student stay as in InstEval (about 25 each); lecturers
    /// grow like √N so a lecturer's ratings also grow like √N. At 1,000,000 rows this gives
    /// 40,479 students and 4,163 lecturers: a 4,163 × 4,163 dense block (139 MB), which a
    /// 24 GiB, 2-core machine can factor many times in a benchmark. With lecturers ∝ N it
    /// would be 15,364 (1.9 GB, 50× the flops per evaluation). At 73,421 rows the formulas give
    /// InstEval's counts exactly.
    public static func scaled(rows: Int, seed: UInt64 = 1) -> InstEvalSimulation {
        var design = InstEvalSimulation(seed: seed)
        design.rows = rows
        // Counts for rows < 1 stay at 1: `validate()` reports the rows.
        let ratio = Double(max(rows, 1)) / Double(instEvalRows)
        design.students = levelCount(Double(instEvalStudents) * ratio, rows: rows)
        design.lecturers = levelCount(Double(instEvalLecturers) * ratio.squareRoot(), rows: rows)
        design.departments = min(defaultDepartments, design.lecturers)
        return design
    }

    /// `count` rounded, at least 1, at most `rows` (and within 32-bit codes).
    private static func levelCount(_ count: Double, rows: Int) -> Int {
        let limit = Double(min(max(rows, 1), Int(Int32.max)))
        return Int(min(max(count.rounded(), 1), limit))
    }

    /// Checks the options: counts ≥ 1, every level usable (levels ≤ rows, departments ≤
    /// lecturers), scales finite and ≥ 0, spreads in [0, 10], the probability in [0, 1].
    public func validate() throws(SimulationError) {
        try SimulationCheck.count("rows", rows, atLeast: 1)
        try SimulationCheck.count("students", students, atLeast: 1)
        try SimulationCheck.count("lecturers", lecturers, atLeast: 1)
        try SimulationCheck.count("departments", departments, atLeast: 1)
        try SimulationCheck.rowLimit(rows)
        try SimulationCheck.levels("students", students, atMost: rows, "rows")
        try SimulationCheck.levels("lecturers", lecturers, atMost: rows, "rows")
        try SimulationCheck.levels("departments", departments, atMost: lecturers, "lecturers")
        try SimulationCheck.finite("intercept", intercept)
        try SimulationCheck.finite("service effect", serviceEffect)
        try SimulationCheck.scale("student SD", studentSD)
        try SimulationCheck.scale("lecturer SD", lecturerSD)
        try SimulationCheck.scale("department SD", departmentSD)
        try SimulationCheck.scale("residual SD", residualSD)
        try SimulationCheck.spread("student spread", studentSpread)
        try SimulationCheck.spread("lecturer spread", lecturerSpread)
        try SimulationCheck.probability("service probability", serviceProbability)
    }

    /// Draws the data set: columns `s`, `d`, `dept`, `service` (categorical, numbered labels
    /// "1", "2", … in numeric order; `service` has levels "0", "1") and `y` (numeric).
    public func generate() throws(SimulationError) -> SimulatedData {
        try validate()
        let streams = RandomSource.streams(seed: seed, count: 3)
        var design = streams[0]
        var effects = streams[1]
        var noise = streams[2]

        let studentSizes = skewedLevelSizes(total: rows, levels: students, spread: studentSpread, random: &design)
        let lecturerSizes = skewedLevelSizes(total: rows, levels: lecturers, spread: lecturerSpread, random: &design)

        // Each department gets one lecturer chosen at random, the rest are uniform.
        var lecturerOrder = Array(0..<lecturers)
        design.shuffle(&lecturerOrder)
        var departmentOfLecturer = [Int32](repeating: 0, count: lecturers)
        for (position, lecturer) in lecturerOrder.enumerated() {
            departmentOfLecturer[lecturer] = Int32(position < departments ? position : design.integer(below: departments))
        }

        let studentCodes = levelCodes(sizes: studentSizes)
        var lecturerCodes = levelCodes(sizes: lecturerSizes)
        design.shuffle(&lecturerCodes)
        let departmentCodes = lecturerCodes.map { departmentOfLecturer[Int($0)] }
        let serviceCodes: [Int32] = (0..<rows).map { _ in design.bernoulli(serviceProbability) ? 1 : 0 }

        let studentEffects = (0..<students).map { _ in studentSD * effects.normal() }
        let lecturerEffects = (0..<lecturers).map { _ in lecturerSD * effects.normal() }
        let departmentEffects = (0..<departments).map { _ in departmentSD * effects.normal() }

        var y = [Double](repeating: 0, count: rows)
        for row in 0..<rows {
            y[row] = intercept
                + serviceEffect * Double(serviceCodes[row])
                + studentEffects[Int(studentCodes[row])]
                + lecturerEffects[Int(lecturerCodes[row])]
                + departmentEffects[Int(departmentCodes[row])]
                + residualSD * noise.normal()
        }

        let frame = try SimulationCheck.frame([
            ("s", .categorical(CategoricalColumn(codes: studentCodes, levels: numberedLabels(students)))),
            ("d", .categorical(CategoricalColumn(codes: lecturerCodes, levels: numberedLabels(lecturers)))),
            ("dept", .categorical(CategoricalColumn(codes: departmentCodes, levels: numberedLabels(departments)))),
            ("service", .categorical(CategoricalColumn(codes: serviceCodes, levels: ["0", "1"]))),
            ("y", .numeric(NumericColumn(y))),
        ])
        return SimulatedData(
            frame: frame,
            fixedEffects: ["(Intercept)": intercept, "service1": serviceEffect],
            randomEffects: ["s": studentEffects, "d": lecturerEffects, "dept": departmentEffects],
            standardDeviations: ["s": studentSD, "d": lecturerSD, "dept": departmentSD, "residual": residualSD]
        )
    }
}
