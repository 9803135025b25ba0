/// A range of characters in a formula's text, as offsets in `Character`s from its start.
/// Errors use it to put a caret under the offending text.
public struct SourceSpan: Sendable, Equatable, Hashable {
    public var start: Int
    public var end: Int

    public init(start: Int, end: Int) {
        self.start = start
        self.end = max(start, end)
    }

    /// The span from the start of `self` to the end of `other`.
    func through(_ other: SourceSpan) -> SourceSpan {
        SourceSpan(start: min(start, other.start), end: max(end, other.end))
    }
}

/// One lexical token of a formula.
struct FormulaToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// A variable or function name; backquoted names arrive without their quotes.
        case name(String, backquoted: Bool)
        /// A number literal with its value and its text as written.
        case number(Double, text: String)
        /// A quoted string, without its quotes.
        case string(String)
        case tilde, plus, minus, star, slash, colon, caret
        case bar, doubleBar
        case leftParen, rightParen, comma, equals
        case end
    }

    var kind: Kind
    var span: SourceSpan

    /// The token as a user would recognise it in a message: `')'`, `'Days'`, `end of formula`.
    var display: String {
        switch kind {
        case .name(let name, let backquoted): backquoted ? "'`\(name)`'" : "'\(name)'"
        case .number(_, let text): "'\(text)'"
        case .tilde: "'~'"
        case .plus: "'+'"
        case .minus: "'-'"
        case .star: "'*'"
        case .slash: "'/'"
        case .colon: "':'"
        case .caret: "'^'"
        case .bar: "'|'"
        case .doubleBar: "'||'"
        case .leftParen: "'('"
        case .rightParen: "')'"
        case .comma: "','"
        case .equals: "'='"
        case .string(let value): "'\"\(value)\"'"
        case .end: "end of formula"
        }
    }
}
