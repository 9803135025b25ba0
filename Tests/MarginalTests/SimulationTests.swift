import Testing
@testable import Marginal

private func categorical(_ frame: DataFrame, _ name: String) throws -> CategoricalColumn {
    guard case .categorical(let column) = try frame.column(name) else {
        Issue.record("\(name) is not categorical")
        return CategoricalColumn(codes: [], levels: [])
    }
    return column
}

private func numeric(_ frame: DataFrame, _ name: String) throws -> [Double] {
    guard case .numeric(let column) = try frame.column(name) else {
        Issue.record("\(name) is not numeric")
        return []
    }
    return column.values
}

/// Levels that occur at least once.
private func usedLevels(_ column: CategoricalColumn) -> Int {
    Set(column.codes).count
}

@Suite struct SimulationTests {
    @Test func instEvalDesignHasTheRequestedCounts() throws {
        let data = try InstEvalSimulation(seed: 7).generate()
        let frame = data.frame
        #expect(frame.names == ["s", "d", "dept", "service", "y"])
        #expect(frame.rowCount == 73_421)
        let s = try categorical(frame, "s"), d = try categorical(frame, "d")
        let dept = try categorical(frame, "dept"), service = try categorical(frame, "service")
        #expect(s.levels.count == 2_972 && usedLevels(s) == 2_972)
        #expect(d.levels.count == 1_128 && usedLevels(d) == 1_128)
        #expect(dept.levels.count == 28 && usedLevels(dept) == 28)
        #expect(service.levels == ["0", "1"] && usedLevels(service) == 2)
        #expect(s.levels.first == "1" && s.levels.last == "2972")
        #expect(s.codes.allSatisfy { $0 >= 0 })
        #expect(try numeric(frame, "y").allSatisfy(\.isFinite))
    }

    @Test func lecturersAreNestedInDepartments() throws {
        let frame = try InstEvalSimulation(seed: 3).generate().frame
        let d = try categorical(frame, "d"), dept = try categorical(frame, "dept")
        var departmentOf: [Int32: Int32] = [:]
        var violations = 0
        for (lecturer, department) in zip(d.codes, dept.codes) {
            if let known = departmentOf[lecturer], known != department { violations += 1 }
            departmentOf[lecturer] = department
        }
        #expect(violations == 0)
        #expect(departmentOf.count == 1_128)
        // Students are crossed with lecturers, not nested: many students rate several departments.
        let s = try categorical(frame, "s")
        var departmentsOfStudent: [Int32: Set<Int32>] = [:]
        for (student, department) in zip(s.codes, dept.codes) { departmentsOfStudent[student, default: []].insert(department) }
        #expect(departmentsOfStudent.values.filter { $0.count > 1 }.count > 1_000)
    }

    @Test func sameSeedGivesTheSameDataAndAnotherSeedDoesNot() throws {
        var small = InstEvalSimulation.scaled(rows: 5_000, seed: 42)
        let first = try small.generate()
        let second = try small.generate()
        #expect(first == second)
        small.seed = 43
        #expect(try small.generate().frame != first.frame)
    }

    @Test func scalingKeepsInstEvalCountsAndGrowsLecturersLikeTheSquareRoot() {
        // round(2972·N/73421), round(1128·√(N/73421)), computed by hand for these N.
        let base = InstEvalSimulation.scaled(rows: 73_421)
        #expect(base == InstEvalSimulation())
        let million = InstEvalSimulation.scaled(rows: 1_000_000)
        #expect([million.rows, million.students, million.lecturers, million.departments] == [1_000_000, 40_479, 4_163, 28])
        let mid = InstEvalSimulation.scaled(rows: 200_000)
        #expect([mid.students, mid.lecturers, mid.departments] == [8_096, 1_862, 28])
        let tiny = InstEvalSimulation.scaled(rows: 10)
        // 0.40 students round to 0, raised to 1; 13.2 lecturers are capped at the 10 rows.
        #expect([tiny.students, tiny.lecturers, tiny.departments] == [1, 10, 10])
    }

    @Test func scaledDesignUsesEveryLevel() throws {
        let simulation = InstEvalSimulation.scaled(rows: 200_000, seed: 5)
        let frame = try simulation.generate().frame
        #expect(frame.rowCount == 200_000)
        #expect(usedLevels(try categorical(frame, "s")) == 8_096)
        #expect(usedLevels(try categorical(frame, "d")) == 1_862)
        #expect(usedLevels(try categorical(frame, "dept")) == 28)
    }

    @Test func responseIsTheStatedSumOfEffects() throws {
        let data = try InstEvalSimulation(seed: 9).generate()
        let frame = data.frame
        let s = try categorical(frame, "s").codes, d = try categorical(frame, "d").codes
        let dept = try categorical(frame, "dept").codes, service = try categorical(frame, "service").codes
        let y = try numeric(frame, "y")
        let us = try #require(data.randomEffects["s"]), ud = try #require(data.randomEffects["d"])
        let udept = try #require(data.randomEffects["dept"])
        let alpha = try #require(data.fixedEffects["(Intercept)"]), beta = try #require(data.fixedEffects["service1"])
        let residuals = (0..<y.count).map { row in
            y[row] - alpha - beta * Double(service[row]) - us[Int(s[row])] - ud[Int(d[row])] - udept[Int(dept[row])]
        }
        let n = Double(residuals.count)
        let mean = residuals.reduce(0, +) / n
        let sd = (residuals.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot()
        // ε ~ N(0, 1.1775²): SE(mean) = 1.1775/√n = 0.00435, SE(sd) ≈ 1.1775/√(2n) = 0.00307; 5 SE.
        #expect(abs(mean) < 5 * 0.00435)
        #expect(abs(sd - 1.1775) < 5 * 0.00307)
        // Student effects: 2,972 draws of N(0, 0.3256²): SE(sd) ≈ 0.3256/√5944 = 0.00422.
        let studentMean = us.reduce(0, +) / Double(us.count)
        let studentSD = (us.reduce(0) { $0 + ($1 - studentMean) * ($1 - studentMean) } / Double(us.count - 1)).squareRoot()
        #expect(abs(studentSD - 0.3256) < 5 * 0.00422)
        // Service share 0.433 over 73,421 rows: SE = √(0.433·0.567/73421) = 0.00183.
        let share = Double(service.filter { $0 == 1 }.count) / n
        #expect(abs(share - 0.433) < 5 * 0.00183)
    }

    @Test func zeroVarianceGivesTheFixedPartExactly() throws {
        var simulation = InstEvalSimulation.scaled(rows: 2_000, seed: 1)
        simulation.studentSD = 0
        simulation.lecturerSD = 0
        simulation.departmentSD = 0
        simulation.residualSD = 0
        let frame = try simulation.generate().frame
        let y = try numeric(frame, "y")
        let service = try categorical(frame, "service").codes
        #expect(zip(y, service).allSatisfy { $0 == ($1 == 1 ? 3.2826 - 0.0926 : 3.2826) })
    }

    @Test func effectSizesDoNotChangeTheDesign() throws {
        var simulation = InstEvalSimulation.scaled(rows: 3_000, seed: 12)
        let before = try simulation.generate().frame
        simulation.residualSD = 5
        simulation.lecturerSD = 2
        let after = try simulation.generate().frame
        for name in ["s", "d", "dept", "service"] {
            #expect(try before.column(name) == after.column(name))
        }
        #expect(try before.column("y") != after.column("y"))
    }

    @Test func ratingsPerLecturerAreSkewed() throws {
        let frame = try InstEvalSimulation(seed: 2).generate().frame
        var counts = [Int](repeating: 0, count: 1_128)
        for code in try categorical(frame, "d").codes { counts[Int(code)] += 1 }
        counts.sort()
        // Lognormal weights with spread 1: the busiest lecturer has many times the median's ratings.
        #expect(counts.first ?? 0 >= 1)
        #expect(counts.last ?? 0 > 8 * counts[counts.count / 2])
    }

    @Test func levelSizesAddUpAndBalanceWhenSpreadIsZero() {
        var random = RandomSource(seed: 1)
        #expect(skewedLevelSizes(total: 23, levels: 5, spread: 0, random: &random) == [5, 5, 5, 4, 4])
        #expect(skewedLevelSizes(total: 7, levels: 7, spread: 2, random: &random) == Array(repeating: 1, count: 7))
        for spread in [0.3, 1.0, 3.0, 10.0] {
            let sizes = skewedLevelSizes(total: 10_007, levels: 333, spread: spread, random: &random)
            #expect(sizes.reduce(0, +) == 10_007)
            #expect(sizes.allSatisfy { $0 >= 1 })
        }
    }

    @Test func impossibleOptionsAreTypedErrors() {
        var simulation = InstEvalSimulation.scaled(rows: 100)
        simulation.students = 101
        #expect(throws: SimulationError.tooManyLevels(name: "students", levels: 101, limit: 100, limitName: "rows")) {
            try simulation.generate()
        }
        simulation = InstEvalSimulation.scaled(rows: 100)
        simulation.departments = simulation.lecturers + 1
        #expect(throws: SimulationError.self) { try simulation.generate() }
        simulation = InstEvalSimulation.scaled(rows: 100)
        simulation.residualSD = -1
        #expect(throws: SimulationError.invalidScale(name: "residual SD", value: -1)) { try simulation.generate() }
        simulation = InstEvalSimulation.scaled(rows: 100)
        simulation.serviceProbability = .nan
        #expect(throws: SimulationError.self) { try simulation.generate() }
        simulation = InstEvalSimulation()
        simulation.rows = 0
        #expect(throws: SimulationError.countTooSmall(name: "rows", value: 0, minimum: 1)) { try simulation.generate() }
        simulation = InstEvalSimulation()
        simulation.lecturerSpread = 11
        #expect(throws: SimulationError.invalidSpread(name: "lecturer spread", value: 11)) { try simulation.generate() }
        // Absurd row counts give counts that validate() reports, never a trap.
        #expect(throws: SimulationError.countTooSmall(name: "rows", value: -5, minimum: 1)) {
            try InstEvalSimulation.scaled(rows: -5).generate()
        }
        let huge = InstEvalSimulation.scaled(rows: Int.max)
        #expect(huge.students == Int(Int32.max) && huge.lecturers > 1_000_000)
        #expect(throws: SimulationError.tooManyRows(value: Int.max, limit: Int(Int32.max))) { try huge.validate() }
        var grouped = GroupedSimulation()
        grouped.groups = 20_001
        #expect(throws: SimulationError.self) { try grouped.generate() }
        #expect(SimulationError.tooManyLevels(name: "students", levels: 101, limit: 100, limitName: "rows").description
            == "101 students cannot each be used at least once with 100 rows; ask for at most 100 students or more rows")
    }

    @Test func groupedDesignIsBalancedAndReproducible() throws {
        let data = try GroupedSimulation(seed: 4).generate()
        let frame = data.frame
        #expect(frame.names == ["y", "x1", "x2", "g"])
        #expect(frame.rowCount == 20_000)
        let g = try categorical(frame, "g")
        #expect(g.levels.count == 1_000)
        var sizes = [Int](repeating: 0, count: 1_000)
        for code in g.codes { sizes[Int(code)] += 1 }
        #expect(sizes.allSatisfy { $0 == 20 })
        #expect(try GroupedSimulation(seed: 4).generate() == data)
        // y − (1 + 0.5·x1 − 0.25·x2 + u_g) is N(0, 1): SE(mean) = 1/√20000 = 0.00707.
        let y = try numeric(frame, "y"), x1 = try numeric(frame, "x1"), x2 = try numeric(frame, "x2")
        let u = try #require(data.randomEffects["g"])
        var residualSum = 0.0
        for row in 0..<y.count {
            let fitted: Double = 1 + 0.5 * x1[row] - 0.25 * x2[row] + u[Int(g.codes[row])]
            residualSum += y[row] - fitted
        }
        #expect(abs(residualSum / 20_000) < 5 * 0.00707)
    }
}
