import Foundation
import Testing
@testable import Marginal

/// Formulas that used to overflow the stack or expand for minutes get a clear error instead.
@Suite struct FormulaLimitsTests {
    static func frame() throws -> DataFrame {
        var pairs: [(String, Column)] = []
        for k in 0..<20 {
            let values: [Double] = (0..<10).map { Double(($0 * (k + 3)) % 7) }
            pairs.append((String(UnicodeScalar(UInt8(97 + k))), .numeric(NumericColumn(values))))
        }
        let y: [Double] = (0..<10).map(Double.init)
        let labels: [String?] = (0..<10).map { "g\($0 % 3)" }
        pairs.append(("resp", .numeric(NumericColumn(y))))
        pairs.append(("grp", .categorical(CategoricalColumn(labels: labels))))
        return try DataFrame(pairs)
    }

    /// An interaction of two 3,000-level factors would make a 9-million-column X (650 GB at 3,000
    /// rows): refused by its size before anything is allocated.
    @Test func hugeFixedInteractionsAreRefusedBeforeAllocating() throws {
        let n = 3000
        let frame = try DataFrame([
            ("y", .numeric(NumericColumn((0..<n).map { Double($0 % 17) }))),
            ("a", .categorical(CategoricalColumn(labels: (0..<n).map { "a\($0)" }))),
            ("b", .categorical(CategoricalColumn(labels: (0..<n).map { "b\(($0 * 7) % n)" }))),
            ("g", .categorical(CategoricalColumn(labels: (0..<n).map { "g\($0 % 30)" }))),
        ])
        #expect {
            _ = try ModelDesign(formula: "y ~ a:b + (1 | g)", data: frame)
        } throws: { error in
            guard let error = error as? FormulaError, case .fixedEffectsTooLarge = error.kind else { return false }
            return error.message.contains("columns for 3000 rows")
        }
    }

    @Test func deepParenthesesAreRefused() {
        let text = "y ~ " + String(repeating: "(", count: 10_000) + "a" + String(repeating: ")", count: 10_000)
        #expect(throws: FormulaError.self) { _ = try Formula(text) }
        do { _ = try Formula("y ~ " + String(repeating: "(", count: 500) + "a" + String(repeating: ")", count: 500)) } catch {
            #expect(error.message.contains("nested more than"), "\(error.message)")
        }
        #expect(throws: FormulaError.self) { _ = try Formula("y ~ " + String(repeating: "(", count: 5_000)) }
        #expect(throws: FormulaError.self) { _ = try Formula("y ~ " + String(repeating: "- ", count: 5_000) + "a") }
    }

    @Test func longFormulasAreRefused() {
        let text = "y ~ a" + String(repeating: " + a", count: 20_000)
        do {
            _ = try Formula(text)
            Issue.record("accepted")
        } catch {
            #expect(error.message.contains("at most 2000"), "\(error.message)")
        }
    }

    @Test func explodingInteractionsAreRefusedAfterTheNames() throws {
        let letters = (0..<20).map { String(UnicodeScalar(UInt8(97 + $0))) }
        let data = try Self.frame()
        do {
            _ = try ModelDesign(formula: "resp ~ " + letters.joined(separator: " * ") + " + (1 | grp)", data: data)
            Issue.record("accepted")
        } catch {
            guard case .tooManyTerms(let count, _) = error.kind else { Issue.record("\(error)"); return }
            #expect(count > 10_000)
        }
        // An unknown column is reported first.
        do {
            _ = try ModelDesign(formula: "resp ~ " + (letters + ["nope"]).joined(separator: " * ") + " + (1 | grp)", data: data)
        } catch {
            guard case .unknownColumn(let name, _, _) = error.kind else { Issue.record("\(error)"); return }
            #expect(name == "nope")
        }
    }
}
