/// An error in a formula's text or in applying it to a data frame.
///
/// Its description states the problem and, when the problem has a place in the formula,
/// prints the formula with a caret under that place:
///
///     unexpected ')' in formula
///       Reaction ~ Days + )
///                         ^
public struct FormulaError: Error, Sendable, Equatable, CustomStringConvertible {
    public var kind: Kind
    /// The formula text as given.
    public var formula: String
    /// The offending text, as character offsets in `formula`; nil when the error has no place.
    public var span: SourceSpan?

    public init(_ kind: Kind, formula: String, span: SourceSpan? = nil) {
        self.kind = kind
        self.formula = formula
        self.span = span
    }

    /// What went wrong, in one or two sentences, without the formula.
    public var message: String { kind.message }

    public var description: String {
        guard let span else { return message }
        // One display column per character; tabs and line breaks print as spaces so the caret lines up.
        let line = String(formula.map { $0.isWhitespace ? " " : $0 })
        let start = min(span.start, formula.count)
        let width = max(1, min(span.end, formula.count) - start)
        let marker = "^" + String(repeating: "~", count: width - 1)
        return "\(message)\n  \(line)\n  \(String(repeating: " ", count: start))\(marker)"
    }

    /// The kinds of formula errors.
    public enum Kind: Sendable, Equatable {
        // Lexical and syntactic errors.
        case unexpectedCharacter(Character)
        case invalidNumber(String)
        case unclosedBackquote
        case unclosedString
        case emptyName
        case emptyFormula
        case unexpectedToken(String)
        case unexpectedEnd
        case missingTilde
        case missingResponse
        case missingRightHandSide
        case extraTilde
        case unclosedParenthesis
        case unmatchedClosingParenthesis
        case emptyParentheses
        case emptyRandomEffect
        case emptyGroupingFactor
        case unknownFunction(String)
        case wrongArgumentCount(function: String, found: Int)

        // Errors in the meaning of the terms.
        case barOutsideParentheses
        case misplacedRandomEffect
        /// `offset(...)` anywhere but added with '+' to the fixed part.
        case misplacedOffset
        /// More tokens than ``FormulaParser/maximumTokens``.
        case formulaTooLong(tokens: Int, limit: Int)
        /// Parentheses, calls or signs nested deeper than ``FormulaParser/maximumDepth``.
        case nestingTooDeep(limit: Int)
        /// `*`, `/` or `^` would create more terms than ``TermEncoder/maximumTerms``.
        case tooManyTerms(count: Int, limit: Int)
        /// The fixed-effect model matrix would not fit in memory.
        case fixedEffectsTooLarge(columns: Double, rows: Int, bytes: Double, available: Double)
        /// A column named by an option (weights, offset) that the data do not have.
        case unknownOptionColumn(option: String, name: String, suggestion: String?)
        /// Prior weights that are not all positive and finite.
        case invalidWeight(column: String, row: Int, value: Double)
        case randomEffectInsideRandomEffect
        case randomEffectInExpression
        case numberInTerms(String)
        case interceptInInteraction
        case invalidExponent(String)
        case invalidGroupingFactor
        case colonInArithmetic
        case responseOnRightSide(String)
        case noColumns
        case allColumnsDot
        /// A covariance structure (`ar1(...)`) without a `lhs | g` inside.
        case covarianceStructureWithoutBar(String)
        /// A covariance structure around `||`.
        case covarianceStructureDoubleBar(String)
        /// `ar1`, `toep`, `ou`, `exp`, `gau` with anything but one variable and no intercept.
        case covarianceStructureNeedsOneVariable(String)
        /// `numFactor(...)` anywhere but as the variable of `ou`, `exp`, `gau` or `mat`.
        case misplacedNumFactor

        // Errors in applying the formula to data.
        case unknownColumn(name: String, suggestion: String?, available: [String])
        case categoricalResponse(String)
        case responseAllMissing(String)
        case noRowsLeft(missing: [MissingCount])
        case noData
        case singleLevelFactor(name: String, level: String)
        case categoricalInArithmetic(column: String, expression: String)
        case logOfNonPositive(expression: String, row: Int, value: Double)
        case sqrtOfNegative(expression: String, row: Int, value: Double)
        case notFinite(expression: String, row: Int)
        /// A function's arguments that it does not accept (`poly(x)` without a degree, `raw = 2`).
        case invalidArguments(function: String, expected: String)
        /// `poly(x, k)` with k at least the number of distinct values of x (R refuses it too).
        case polynomialDegreeTooHigh(expression: String, degree: Int, distinct: Int)
        /// `ns(x, df)` or `bs(x, df)` with fewer degrees of freedom than the basis needs.
        case splineDegreesOfFreedomTooSmall(expression: String, df: Int, minimum: Int)
        /// A level of a factor in new data that the fit never saw.
        case unseenLevel(column: String, level: String, known: [String])
        /// A coordinate structure (`ou`, `exp`, `gau`) on a variable that is not numeric.
        case coordinatesNotNumeric(structure: String, variable: String)
        /// `ou` over coordinates of more than one dimension (glmmTMB's `ou` is for times).
        case coordinatesNotOneDimensional(structure: String, dimensions: Int)
        /// A structure with so many distinct times or positions that its columns do not fit in memory.
        case covarianceStructureTooLarge(structure: String, columns: Int, rows: Int, bytes: Double, available: Double)
        /// A structure with fewer than two columns (distinct times) to correlate.
        case covarianceStructureTooSmall(structure: String, columns: Int)
        /// `dummy(f, "level")` naming a level f does not have.
        case unknownDummyLevel(expression: String, level: String, levels: [String])

        var message: String {
            switch self {
            case .unexpectedCharacter(let character):
                return "unexpected character '\(character)' in formula"
            case .invalidNumber(let text):
                return "'\(text)' is not a valid number"
            case .unclosedString:
                return "a quoted string is never closed"
            case .unclosedBackquote:
                return "a backquoted name is never closed (missing '`')"
            case .emptyName:
                return "a backquoted name is empty"
            case .emptyFormula:
                return "the formula is empty: write it as response ~ terms, e.g. Reaction ~ Days + (Days | Subject)"
            case .unexpectedToken(let token):
                return "unexpected \(token) in formula"
            case .unexpectedEnd:
                return "the formula ends where a term was expected"
            case .missingTilde:
                return "the formula has no '~': write it as response ~ terms, e.g. Reaction ~ Days + (Days | Subject)"
            case .missingResponse:
                return "the formula has no response: put the column to model before '~', e.g. Reaction ~ Days"
            case .missingRightHandSide:
                return "the formula has nothing after '~': give the terms, e.g. y ~ 1 for an intercept only"
            case .extraTilde:
                return "a formula has one '~', this is a second one"
            case .unclosedParenthesis:
                return "this '(' is never closed"
            case .unmatchedClosingParenthesis:
                return "unexpected ')' in formula: there is no '(' for it to close"
            case .emptyParentheses:
                return "empty parentheses in formula"
            case .emptyRandomEffect:
                return "the random-effect term has nothing before '|': write (1 | g) for an intercept per level of g"
            case .emptyGroupingFactor:
                return "the random-effect term has no grouping factor after '|': write e.g. (1 | Subject)"
            case .unknownFunction(let name):
                let names = FormulaParser.knownFunctions
                let known = names.map { "\($0)()" }.joined(separator: ", ")
                let suggestion = closestName(to: name, among: names).map { "did you mean '\($0)'? " } ?? ""
                return "unknown function '\(name)': \(suggestion)the functions known are \(known)"
            case .wrongArgumentCount(let function, let found):
                return "\(function)() takes \(function == "cbind" ? "two arguments (successes, failures)" : "one argument"), here it has \(found)"
            case .barOutsideParentheses:
                return "'|' outside parentheses: write a random-effect term in parentheses, e.g. (1 + Days | Subject)"
            case .misplacedRandomEffect:
                return "a random-effect term (... | g) can only be added to the formula with '+'"
            case .formulaTooLong(let tokens, let limit):
                return "the formula has \(tokens) symbols; at most \(limit) are read (a model with that many terms cannot be estimated anyway)"
            case .nestingTooDeep(let limit):
                return "parentheses, functions or signs are nested more than \(limit) deep here"
            case .fixedEffectsTooLarge(let columns, let rows, let bytes, let available):
                return "the fixed effects would have \(rNumberLabel(columns)) columns for \(rows) rows, about \((bytes / 1e9).rounded()) GB against \((available / 1e9).rounded()) GB available; an interaction of factors with many levels makes a column per combination: drop the interaction, or make one of the factors a grouping factor, e.g. (1 | a:b)"
            case .tooManyTerms(let count, let limit):
                return "this expands to \(count) model terms (each '*' doubles them), more than the \(limit) allowed; write the interactions you want explicitly, e.g. (a + b + c)^2 for two-way ones"
            case .misplacedOffset:
                return "offset(...) can only be added to the fixed part of the formula with '+', as in y ~ x + offset(log(t)) + (1 | g)"
            case .unknownOptionColumn(let option, let name, let suggestion):
                return "the \(option) column '\(name)' is not in the data" + (suggestion.map { "; did you mean '\($0)'?" } ?? "")
            case .invalidWeight(let column, let row, let value):
                return "the weight '\(column)' is \(rNumberLabel(value)) in data row \(row); prior weights must be positive and finite (drop rows with weight 0)"
            case .randomEffectInsideRandomEffect:
                return "a random-effect term cannot contain another '|'"
            case .randomEffectInExpression:
                return "'|' cannot be used inside a function or arithmetic"
            case .numberInTerms(let text):
                return "the number \(text) cannot be a term: only 1 (intercept) and 0 (no intercept) can; write I(...) for arithmetic, e.g. I(2 * x)"
            case .interceptInInteraction:
                return "0 and 1 (the intercept) cannot be part of an interaction or nesting"
            case .invalidExponent(let text):
                return "in a formula, '^' needs a positive whole number, the highest order of interactions (e.g. (a + b + c)^2), not \(text); write I(x^2) for a square"
            case .invalidGroupingFactor:
                return "a grouping factor must be a column name, an interaction a:b or a nesting a/b"
            case .colonInArithmetic:
                return "':' cannot be used in arithmetic; it means an interaction only between terms"
            case .responseOnRightSide(let name):
                return "the response '\(name)' also appears among the terms"
            case .noColumns:
                return "the random-effect term has no columns: (0 | g) asks for nothing"
            case .covarianceStructureWithoutBar(let name):
                return "\(name)() is a covariance structure: write it around a random-effect term, e.g. \(name)(time + 0 | id)"
            case .covarianceStructureDoubleBar(let name):
                return "\(name)() takes a term with '|', not '||': the structure itself says how the effects are correlated"
            case .misplacedNumFactor:
                return "numFactor(...) gives the coordinates of a structured term; use it as its variable, e.g. exp(numFactor(x, y) + 0 | g)"
            case .covarianceStructureNeedsOneVariable(let name):
                return "\(name)() takes one time or position variable without an intercept, e.g. \(name)(time + 0 | id)"
            case .coordinatesNotNumeric(let structure, let variable):
                return "\(structure)() needs numeric coordinates, but '\(variable)' is categorical: give the times or positions as numbers"
            case .coordinatesNotOneDimensional(let structure, let dimensions):
                return "\(structure)() is for one-dimensional times, and these coordinates have \(dimensions) dimensions; use exp(), gau() or mat() for positions in space"
            case .covarianceStructureTooLarge(let structure, let columns, let rows, let bytes, let available):
                return "\(structure)() has \(columns) distinct times or positions, one random effect each, for \(rows) rows: about \((bytes / 1e9).rounded()) GB against \((available / 1e9).rounded()) GB available; a continuous covariate gives one per value: round or bin it"
            case .covarianceStructureTooSmall(let structure, let columns):
                return "\(structure)() needs at least two columns (distinct times or positions) to correlate; this term has \(columns)"
            case .allColumnsDot:
                return "'.' (all other columns) is not supported: name the columns"
            case .unknownColumn(let name, let suggestion, let available):
                if let suggestion { return "no column named '\(name)'; did you mean '\(suggestion)'?" }
                return "no column named '\(name)'; the columns are: \(available.joined(separator: ", "))"
            case .categoricalResponse(let name):
                return "the response '\(name)' is categorical; it must be numeric (a linear mixed model needs a numeric response; a binomial one takes a factor with two levels)"
            case .responseAllMissing(let name):
                return "the response '\(name)' is missing in every row"
            case .noRowsLeft(let missing):
                let counts = missing.map { "'\($0.column)' in \($0.rows) rows" }.joined(separator: ", ")
                return "no rows are left after dropping those with missing values (missing: \(counts))"
            case .noData:
                return "the data have no rows"
            case .singleLevelFactor(let name, let level):
                return "the factor '\(name)' has a single level ('\(level)') in the rows used; a factor needs at least 2 levels to have an effect"
            case .categoricalInArithmetic(let column, let expression):
                return "'\(column)' is categorical and cannot be used in arithmetic (in \(expression))"
            case .logOfNonPositive(let expression, let row, let value):
                return "\(expression) is undefined in data row \(row), where its argument is \(rNumberLabel(value)) (log needs positive values; R would give NaN, Marginal stops)"
            case .sqrtOfNegative(let expression, let row, let value):
                return "\(expression) is undefined in data row \(row), where its argument is \(rNumberLabel(value)) (sqrt needs non-negative values)"
            case .notFinite(let expression, let row):
                return "\(expression) is not a finite number in data row \(row) (division by zero, overflow or a fractional power of a negative number)"
            case .invalidArguments(let function, let expected):
                return "\(function)() takes \(expected)"
            case .polynomialDegreeTooHigh(let expression, let degree, let distinct):
                return "\(expression): the degree \(degree) must be less than the number of distinct values, \(distinct) (as R's poly requires)"
            case .splineDegreesOfFreedomTooSmall(let expression, let df, let minimum):
                return "\(expression): df = \(df) is too small; this basis needs df ≥ \(minimum)"
            case .unseenLevel(let column, let level, let known):
                return "'\(column)' has the level '\(level)', which the fit did not see; its levels are \(known.joined(separator: ", "))"
            case .unknownDummyLevel(let expression, let level, let levels):
                return "\(expression): '\(level)' is not a level; the levels are \(levels.joined(separator: ", "))"
            }
        }
    }

    /// How many rows a column leaves missing.
    public struct MissingCount: Sendable, Equatable {
        public var column: String
        public var rows: Int
    }
}
