/// Splits formula text into tokens, recording where each starts and ends.
///
/// Names follow R's rules: a letter or `.` (not followed by a digit) first, then letters,
/// digits, `.` and `_`; any other text can be used as a name between backquotes
/// (`` `my var` ``). Numbers are decimal literals with an optional exponent (`2`, `0.5`,
/// `.5`, `1e-3`). Operators: `~ + - * / : ^ | || ( ) , =`; strings in double or single quotes
/// (`dummy(f, "a")`), without escapes.
struct FormulaLexer {
    private let characters: [Character]
    private let text: String
    private var position = 0

    init(_ text: String) {
        self.text = text
        self.characters = Array(text)
    }

    /// All tokens of the text, ending with an `.end` token.
    static func tokens(of text: String) throws(FormulaError) -> [FormulaToken] {
        var lexer = FormulaLexer(text)
        var tokens: [FormulaToken] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private mutating func next() throws(FormulaError) -> FormulaToken {
        while position < characters.count, characters[position].isWhitespace { position += 1 }
        let start = position
        guard position < characters.count else {
            return FormulaToken(kind: .end, span: SourceSpan(start: start, end: start))
        }
        let character = characters[position]
        if let kind = singleCharacterOperator(character) {
            position += 1
            if kind == .bar, position < characters.count, characters[position] == "|" {
                position += 1
                return FormulaToken(kind: .doubleBar, span: SourceSpan(start: start, end: position))
            }
            return FormulaToken(kind: kind, span: SourceSpan(start: start, end: position))
        }
        if character == "`" { return try backquotedName() }
        if character == "\"" || character == "'" { return try string(closedBy: character) }
        if character.isASCII, character.isNumber { return try number() }
        if character == ".", position + 1 < characters.count,
           characters[position + 1].isASCII, characters[position + 1].isNumber {
            return try number()
        }
        if character.isLetter || character == "." { return name() }
        throw FormulaError(.unexpectedCharacter(character), formula: text,
                           span: SourceSpan(start: start, end: start + 1))
    }

    private func singleCharacterOperator(_ character: Character) -> FormulaToken.Kind? {
        switch character {
        case "~": .tilde
        case "+": .plus
        case "-": .minus
        case "*": .star
        case "/": .slash
        case ":": .colon
        case "^": .caret
        case "|": .bar
        case "(": .leftParen
        case ")": .rightParen
        case ",": .comma
        case "=": .equals
        default: nil
        }
    }

    private static func isNameCharacter(_ character: Character) -> Bool {
        character.isLetter || (character.isASCII && character.isNumber) || character == "." || character == "_"
    }

    private mutating func name() -> FormulaToken {
        let start = position
        while position < characters.count, Self.isNameCharacter(characters[position]) { position += 1 }
        let name = String(characters[start..<position])
        return FormulaToken(kind: .name(name, backquoted: false), span: SourceSpan(start: start, end: position))
    }

    private mutating func backquotedName() throws(FormulaError) -> FormulaToken {
        let start = position
        position += 1
        while position < characters.count, characters[position] != "`" { position += 1 }
        guard position < characters.count else {
            throw FormulaError(.unclosedBackquote, formula: text, span: SourceSpan(start: start, end: start + 1))
        }
        let name = String(characters[(start + 1)..<position])
        position += 1
        let span = SourceSpan(start: start, end: position)
        if name.isEmpty { throw FormulaError(.emptyName, formula: text, span: span) }
        return FormulaToken(kind: .name(name, backquoted: true), span: span)
    }

    /// A string literal up to the next `quote`.
    private mutating func string(closedBy quote: Character) throws(FormulaError) -> FormulaToken {
        let start = position
        position += 1
        while position < characters.count, characters[position] != quote { position += 1 }
        guard position < characters.count else {
            throw FormulaError(.unclosedString, formula: text, span: SourceSpan(start: start, end: start + 1))
        }
        position += 1
        let value = String(characters[(start + 1)..<(position - 1)])
        return FormulaToken(kind: .string(value), span: SourceSpan(start: start, end: position))
    }

    private func isDigit(_ index: Int) -> Bool {
        index < characters.count && characters[index].isASCII && characters[index].isNumber
    }

    /// Digits, an optional fraction and an optional exponent (`e`, optional sign, digits).
    private mutating func number() throws(FormulaError) -> FormulaToken {
        let start = position
        while isDigit(position) { position += 1 }
        if position < characters.count, characters[position] == "." {
            position += 1
            while isDigit(position) { position += 1 }
        }
        if position < characters.count, characters[position] == "e" || characters[position] == "E" {
            var look = position + 1
            if look < characters.count, characters[look] == "+" || characters[look] == "-" { look += 1 }
            if isDigit(look) {
                position = look
                while isDigit(position) { position += 1 }
            }
        }
        let literal = String(characters[start..<position])
        let span = SourceSpan(start: start, end: position)
        guard let value = Double(literal), value.isFinite else {
            throw FormulaError(.invalidNumber(literal), formula: text, span: span)
        }
        return FormulaToken(kind: .number(value, text: literal), span: span)
    }
}
