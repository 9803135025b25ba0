import Foundation
@testable import Marginal

/// Model designs built by hand from the Examples CSVs, an independent route to X and Z that
/// does not go through the formula code.
enum HandBuiltDesigns {
    /// Columns of an Examples CSV as strings (numbers as R prints them).
    static func columns(_ file: String) throws -> [String: [String]] {
        let frame = try FormulaTestData.example(String(file.dropLast(4)))
        var result: [String: [String]] = [:]
        for (name, column) in zip(frame.names, frame.columns) {
            switch column {
            case .numeric(let numbers): result[name] = numbers.values.map { rNumberLabel($0) }
            case .categorical(let factor): result[name] = factor.codes.map { factor.levels[Int($0)] }
            }
        }
        return result
    }

    static func term(group: String, labels: [String], levelOrder: [String]? = nil, columns: [String], z: [[Double]], correlated: Bool = true) -> RandomEffectTerm {
        let levels = levelOrder ?? CategoricalColumn.defaultLevelOrder(Array(Set(labels)))
        let index = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1, Int32($0)) })
        let n = labels.count
        var zm = Matrix(rows: columns.count, columns: n)
        for i in 0..<n { for s in 0..<columns.count { zm[s, i] = z[s][i] } }
        return RandomEffectTerm(group: group, levels: levels, codes: labels.map { index[$0]! }, columnNames: columns, z: zm, correlated: correlated)
    }

    static func design(formula: String, response: String, y: [Double], x: [(String, [Double])], terms: [RandomEffectTerm]) -> ModelDesign {
        let fixed = FixedEffectsMatrix(names: x.map(\.0), matrix: Matrix(columns: x.map(\.1)), aliased: [])
        return ModelDesign(
            formula: formula, responseName: response, response: y, fixedEffects: fixed,
            randomEffects: terms.sorted { $0.levelCount > $1.levelCount }, droppedRows: 0,
            keptRows: Array(0..<y.count), warnings: [])
    }

    /// sleepstudy: Reaction ~ 1 + Days + (1 + Days | Subject), or the zero-correlation form.
    static func sleepstudy(correlated: Bool = true) throws -> ModelDesign {
        let c = try columns("sleepstudy.csv")
        let y = c["Reaction"]!.map { Double($0)! }
        let days = c["Days"]!.map { Double($0)! }
        let ones = [Double](repeating: 1, count: y.count)
        let terms: [RandomEffectTerm] = correlated
            ? [term(group: "Subject", labels: c["Subject"]!, columns: ["(Intercept)", "Days"], z: [ones, days])]
            : [term(group: "Subject", labels: c["Subject"]!, columns: ["(Intercept)"], z: [ones]),
               term(group: "Subject", labels: c["Subject"]!, columns: ["Days"], z: [days])]
        return design(formula: "", response: "Reaction", y: y, x: [("(Intercept)", ones), ("Days", days)], terms: terms)
    }

    /// Dyestuff / Dyestuff2: Yield ~ 1 + (1 | Batch).
    static func dyestuff(_ file: String) throws -> ModelDesign {
        let c = try columns(file)
        let y = c["Yield"]!.map { Double($0)! }
        let ones = [Double](repeating: 1, count: y.count)
        return design(formula: "", response: "Yield", y: y, x: [("(Intercept)", ones)],
                      terms: [term(group: "Batch", labels: c["Batch"]!, columns: ["(Intercept)"], z: [ones])])
    }

    /// Penicillin: diameter ~ 1 + (1 | plate) + (1 | sample).
    static func penicillin() throws -> ModelDesign {
        let c = try columns("Penicillin.csv")
        let y = c["diameter"]!.map { Double($0)! }
        let ones = [Double](repeating: 1, count: y.count)
        return design(formula: "", response: "diameter", y: y, x: [("(Intercept)", ones)], terms: [
            term(group: "plate", labels: c["plate"]!, columns: ["(Intercept)"], z: [ones]),
            term(group: "sample", labels: c["sample"]!, columns: ["(Intercept)"], z: [ones]),
        ])
    }

    /// Pastes: strength ~ 1 + (1 | batch/cask) = (1 | batch) + (1 | cask:batch).
    static func pastes() throws -> ModelDesign {
        let c = try columns("Pastes.csv")
        let y = c["strength"]!.map { Double($0)! }
        let ones = [Double](repeating: 1, count: y.count)
        let nested = zip(c["cask"]!, c["batch"]!).map { "\($0):\($1)" }
        return design(formula: "", response: "strength", y: y, x: [("(Intercept)", ones)], terms: [
            term(group: "batch", labels: c["batch"]!, columns: ["(Intercept)"], z: [ones]),
            term(group: "cask:batch", labels: nested, columns: ["(Intercept)"], z: [ones]),
        ])
    }
}
