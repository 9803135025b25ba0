import PropertyBased
import Testing
@testable import Marginal

/// Formulas generated from the grammar, and random text.
@Suite struct FormulaPropertyTests {
    /// A small deterministic generator (SplitMix64) that turns one seed into a formula.
    struct FormulaWriter {
        var state: UInt64

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        mutating func pick<T>(_ options: [T]) -> T { options[Int(next() % UInt64(options.count))] }

        mutating func arithmetic(depth: Int) -> String {
            if depth == 0 { return pick(["x", "z", "2", "0.5", "x", "z"]) }
            switch next() % 5 {
            case 0: return "\(arithmetic(depth: depth - 1)) \(pick(["+", "-", "*"])) \(arithmetic(depth: depth - 1))"
            case 1: return "(\(arithmetic(depth: depth - 1)))^2"
            case 2: return "-\(arithmetic(depth: 0))"
            case 3: return "\(arithmetic(depth: depth - 1))/(z + 1)"
            default: return arithmetic(depth: 0)
            }
        }

        mutating func atom() -> String {
            switch next() % 7 {
            case 0: return "I(\(arithmetic(depth: 2)))"
            case 1: return pick(["log(x)", "sqrt(z)", "exp(-z)", "log(x + z)", "abs(x - 3)"])
            default: return pick(["a", "b", "x", "z", "`w v`"])
            }
        }

        mutating func fixedTerm() -> String {
            switch next() % 8 {
            case 0: return "\(atom()):\(atom())"
            case 1: return "\(atom()) * \(atom())"
            case 2: return "(\(atom()) + \(atom()))^2"
            case 3: return "\(atom())/\(atom())"
            case 4: return "(\(atom()))"
            default: return atom()
            }
        }

        mutating func randomTerm() -> String {
            let lhs = pick(["1", "x", "1 + x", "0 + x", "0 + a", "a", "log(x)", "1 + x + z", "0 + b + x"])
            let group = pick(["g", "h", "g:h", "g/h", "a", "h/g"])
            return "(\(lhs) \(pick(["|", "|", "||"])) \(group))"
        }

        mutating func formula() -> String {
            var text = pick(["y", "log(y)", "I(y * 2)", "sqrt(y)"]) + " ~ " + pick(["", "1 + ", "0 + ", ""])
            let count = Int(next() % 4) + 1
            for index in 0..<count {
                let op = index == 0 ? "" : pick([" + ", " + ", " - "])
                // A random-effect term can only be added.
                text += op + (op != " - " && next() % 2 == 0 ? randomTerm() : fixedTerm())
            }
            return text
        }
    }

    /// 40 rows: y > 0; factors a (3 levels), b (2), g (5), h (4); x, z > 0; `w v` numeric.
    static let data: DataFrame = {
        let n = 40
        func factor(_ labels: [String], _ step: Int) -> Column {
            .categorical(CategoricalColumn(labels: (0..<n).map { labels[($0 / step) % labels.count] }))
        }
        let pairs: [(String, Column)] = [
            ("y", .numeric(NumericColumn((0..<n).map { 1 + Double(($0 * 7) % 13) }))),
            ("a", factor(["p", "q", "r"], 1)),
            ("b", factor(["u", "v"], 3)),
            ("g", factor(["g1", "g2", "g3", "g4", "g5"], 2)),
            ("h", factor(["h1", "h2", "h3", "h4"], 5)),
            ("x", .numeric(NumericColumn((0..<n).map { 0.5 + Double(($0 * 5) % 11) }))),
            ("z", .numeric(NumericColumn((0..<n).map { 0.25 + Double(($0 * 3) % 7) / 2 }))),
            ("w v", .numeric(NumericColumn((0..<n).map { Double($0 % 6) - 2.5 }))),
        ]
        do { return try DataFrame(pairs) } catch { return DataFrame() }
    }()

    @Test func generatedFormulasParseReprintAndBuild() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...Int.max)) { seed in
            var writer = FormulaWriter(state: UInt64(seed))
            let text = writer.formula()
            do {
                let formula = try Formula(text)
                // The canonical form reads back to itself.
                #expect(try Formula(formula.description).description == formula.description, "\(text)")
                let design = try ModelDesign(formula: formula, data: Self.data)
                #expect(design.nobs == 40)
                #expect(design.fixedEffects.matrix.rows == 40)
                #expect(design.fixedEffects.matrix.columns == design.fixedEffects.p)
                for term in design.randomEffects {
                    #expect(term.z.rows == term.dimension && term.z.columns == 40)
                    #expect(term.codes.allSatisfy { $0 >= 0 && Int($0) < term.levelCount })
                    #expect(Set(term.codes).count == term.levelCount, "every level occurs")
                }
                let counts = design.randomEffects.map(\.levelCount)
                #expect(counts == counts.sorted(by: >) || zip(counts, counts.dropFirst()).allSatisfy { $0 >= $1 })
            } catch {
                Issue.record("\(text): \(error)")
            }
        }
    }

    static let fragments = ["y", "x", "a", "g", "~", "~", "+", "-", "*", "/", ":", "^", "|", "||", "(", ")", "(", ")",
                            ",", "1", "0", "2.5", "log", "I", "exp", "`", " ", "e", "1e", ".", "h", "%", "\t", "é"]

    static func checkNoCrash(_ text: String) {
        do {
            let formula = try Formula(text)
            _ = try ModelDesign(formula: formula, data: data)
        } catch {
            // Only typed formula errors can arrive here; their place lies within the text.
            if let span = error.span {
                #expect(span.start >= 0 && span.start <= text.count && span.end <= text.count + 1, "\(text)")
            }
            #expect(!error.description.isEmpty)
        }
    }

    @Test func randomTokenSequencesNeverCrash() async {
        await propertyCheck(count: 2000, input: Gen.element(of: Self.fragments).array(of: 0...14)) { pieces in
            Self.checkNoCrash(pieces.map { $0 ?? "" }.joined())
        }
    }

    @Test func randomTextNeverCrashes() async {
        await propertyCheck(count: 1000, input: Gen.latin1.string(of: 0...30)) { text in
            Self.checkNoCrash(text)
        }
    }
}
