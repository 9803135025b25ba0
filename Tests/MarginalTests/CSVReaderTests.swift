import Testing
@testable import Marginal

/// Reads CSV text given as a string.
private func read(_ text: String, _ options: CSVOptions = CSVOptions()) throws(DataError) -> DataFrame {
    try CSVReader.read(bytes: Array(text.utf8), options: options)
}

private func options(
    factor: Set<String> = [], numeric: Set<String> = [], levels: [String: [String]] = [:],
    missing: Set<String>? = nil
) -> CSVOptions {
    var options = CSVOptions()
    options.factorColumns = factor
    options.numericColumns = numeric
    options.levelOrders = levels
    if let missing { options.missingTokens = missing }
    return options
}

/// A numeric column's entries, `nil` where missing.
private func numbers(_ frame: DataFrame, _ name: String) -> [Double?]? {
    guard case .numeric(let column)? = try? frame.column(name) else { return nil }
    return zip(column.values, column.missing).map { $1 ? nil : $0 }
}

/// A categorical column's entries as labels, `nil` where missing.
private func labels(_ frame: DataFrame, _ name: String) -> [String?]? {
    guard case .categorical(let column)? = try? frame.column(name) else { return nil }
    return column.codes.map { $0 < 0 ? nil : column.levels[Int($0)] }
}

private func levels(_ frame: DataFrame, _ name: String) -> [String]? {
    guard case .categorical(let column)? = try? frame.column(name) else { return nil }
    return column.levels
}

@Suite struct CSVReaderTests {
    // MARK: Structure

    @Test func readsHeaderAndTypesColumns() throws {
        let frame = try read("a,b\n1,x\n2.5,y\n-3,x\n")
        let expected = try DataFrame([
            ("a", .numeric(NumericColumn([1, 2.5, -3]))),
            ("b", .categorical(CategoricalColumn(codes: [0, 1, 0], levels: ["x", "y"]))),
        ])
        #expect(frame == expected)
    }

    @Test func quotedFieldsHoldCommasQuotesAndLineBreaks() throws {
        let frame = try read("name,v\n\"a,b\",1\n\"say \"\"hi\"\"\",2\n\"line1\nline2\",3\n\"\",4\n", options(missing: []))
        let expected = try DataFrame([
            ("name", .categorical(CategoricalColumn(
                codes: [1, 3, 2, 0], levels: ["", "a,b", "line1\nline2", "say \"hi\""]))),
            ("v", .numeric(NumericColumn([1, 2, 3, 4]))),
        ])
        #expect(frame == expected)
    }

    @Test func quotedHeaderNamesAreUnquoted() throws {
        let frame = try read("\"x \"\"1\"\"\",\"y,z\"\n1,2\n")
        #expect(frame.names == ["x \"1\"", "y,z"])
    }

    @Test func crlfAndLfGiveTheSameFrame() throws {
        let lf = try read("a,b\n1,x\n2,y\n")
        #expect(try read("a,b\r\n1,x\r\n2,y\r\n") == lf)
        #expect(try read("a,b\r\n1,x\n2,y") == lf)
        #expect(try read("a,b\n1,x\n2,y\r") == lf)
    }

    @Test func lineBreaksInsideQuotesAreKeptAsWritten() throws {
        let frame = try read("a\r\n\"x\r\ny\"\r\nz\r\n")
        #expect(labels(frame, "a") == ["x\r\ny", "z"])
    }

    @Test func loneCarriageReturnIsText() throws {
        let frame = try read("a,b\nx\ry,1\n")
        #expect(labels(frame, "a") == ["x\ry"])
    }

    @Test func quoteInsideUnquotedFieldIsText() throws {
        let frame = try read("a,b\n5\"7,1\n")
        #expect(labels(frame, "a") == ["5\"7"])
    }

    @Test func byteOrderMarkIsSkipped() throws {
        let frame = try CSVReader.read(bytes: [0xEF, 0xBB, 0xBF] + Array("a,b\n1,2\n".utf8))
        #expect(frame.names == ["a", "b"])
        #expect(numbers(frame, "a") == [1])
    }

    @Test func trailingNewlinesAndBlankLinesAreSkipped() throws {
        let plain = try read("a,b\n1,2\n3,4")
        #expect(try read("a,b\n1,2\n3,4\n") == plain)
        #expect(try read("a,b\n1,2\n3,4\n\n\n") == plain)
        #expect(try read("a,b\r\n1,2\r\n\r\n3,4\r\n\r\n") == plain)
        #expect(try read("\n\na,b\n\n1,2\n\n\n3,4\n") == plain)
    }

    @Test func blankLineInSingleColumnFileIsSkippedButQuotedEmptyIsNot() throws {
        let frame = try read("a\n1\n\n2\n\"\"\n")
        #expect(numbers(frame, "a") == [1, 2, nil])
    }

    @Test func lineOfOnlyCommasIsARecordOfEmptyFields() throws {
        let frame = try read("a,b\n1,x\n,\n")
        #expect(numbers(frame, "a") == [1, nil])
        #expect(labels(frame, "b") == ["x", nil])
    }

    @Test func trailingCommaAtEndOfTextIsAnEmptyLastField() throws {
        let frame = try read("a,b\n1,2\n3,")
        #expect(numbers(frame, "b") == [2, nil])
    }

    @Test func utf8LabelsAreRead() throws {
        let frame = try read("city,n\nZürich,1\n東京,2\nZürich,3\n")
        #expect(levels(frame, "city") == ["Zürich", "東京"])
        #expect(labels(frame, "city") == ["Zürich", "東京", "Zürich"])
    }

    // MARK: Missing values

    @Test func naAndEmptyFieldsAreMissing() throws {
        let frame = try read("a,b\n1,x\nNA,NA\n,\n4,\"NA\"\n\"NA\",y\n")
        #expect(numbers(frame, "a") == [1, nil, nil, 4, nil])
        #expect(labels(frame, "b") == ["x", nil, nil, nil, "y"])
        #expect(levels(frame, "b") == ["x", "y"])
    }

    @Test func missingTokensAreMatchedExactly() throws {
        // `NA ` and `na` are not missing, so column a is categorical.
        let frame = try read("a\nNA \nna\n1\n")
        #expect(labels(frame, "a") == ["NA ", "na", "1"])
    }

    @Test func customMissingTokens() throws {
        let frame = try read("a,b\n-99,NA\n2,\n", options(missing: ["-99"]))
        #expect(numbers(frame, "a") == [nil, 2])
        #expect(labels(frame, "b") == ["NA", ""])
    }

    @Test func blankNumericFieldIsMissingAsInR() throws {
        let frame = try read("a,b\n1,x\n  ,  \n")
        #expect(numbers(frame, "a") == [1, nil])
        #expect(labels(frame, "b") == ["x", "  "])
    }

    @Test func columnWithOnlyMissingValuesIsNumeric() throws {
        let frame = try read("a,b\nNA,1\n,2\n")
        #expect(numbers(frame, "a") == [nil, nil])
    }

    // MARK: Numbers

    @Test func specialValuesAreNumbersNotMissing() throws {
        let frame = try read("a\nInf\n-Inf\nNaN\n+inf\nInfinity\nnan\n")
        guard case .numeric(let column) = try frame.column("a") else {
            Issue.record("column a should be numeric")
            return
        }
        #expect(column.missing == Array(repeating: false, count: 6))
        #expect(column.values[0] == .infinity)
        #expect(column.values[1] == -.infinity)
        #expect(column.values[2].isNaN)
        #expect(column.values[3] == .infinity)
        #expect(column.values[4] == .infinity)
        #expect(column.values[5].isNaN)
    }

    @Test func numberFormats() throws {
        let frame = try read("a\n1e5\n.5\n5.\n+5\n 7 \n1.5E-3\n0.1\n\"308\"\n0000000000000000000000012.5\n")
        #expect(numbers(frame, "a") == [100_000, 0.5, 5, 5, 7, 0.0015, 0.1, 308, 12.5])
    }

    @Test func negativeZeroKeepsItsSign() throws {
        let frame = try read("a\n-0\n0\n")
        let values = numbers(frame, "a")
        #expect(values?[0]?.sign == .minus)
        #expect(values?[1]?.sign == .plus)
    }

    /// Values beyond the fast path, checked against the literal (the compiler rounds it correctly).
    @Test func hardNumbersRoundCorrectly() throws {
        let cases: [(String, Double)] = [
            ("1e22", 1e22),
            ("1e23", 1e23),
            ("9007199254740993", 9_007_199_254_740_992),
            ("123456789012345678901234567890", 1.2345678901234568e29),
            ("0.1234567890123456789012", 0.12345678901234568),
            ("1.00000000000000000000000000001", 1),
            ("2.2250738585072011e-308", 2.2250738585072011e-308),
            ("4.9e-324", 5e-324),
            ("1.7976931348623157e308", 1.7976931348623157e308),
            ("1e400", .infinity),
            ("-1e400", -.infinity),
            ("1e-400", 0),
            ("3.14159265358979323846264338327950288", 3.141592653589793),
        ]
        let frame = try read("a\n" + cases.map(\.0).joined(separator: "\n"))
        let values = numbers(frame, "a")
        #expect(values == cases.map(\.1))
    }

    @Test func nearNumbersAreText() throws {
        for text in ["1e", "0x10", "1d5", "-", "1_000", "1.2.3", "e5", "--1", "1 2", "Inf1", "."] {
            let frame = try read("a\n1\n\(text)\n")
            #expect(labels(frame, "a") == ["1", text], "\(text)")
        }
    }

    // MARK: Options

    @Test func factorColumnsKeepTheOriginalTexts() throws {
        let frame = try read("s,y\n310,1\n308,2\n\"309\",3\n1e1,4\n", options(factor: ["s"]))
        #expect(levels(frame, "s") == ["1e1", "308", "309", "310"])
        #expect(labels(frame, "s") == ["310", "308", "309", "1e1"])
    }

    @Test func numericallyEqualFactorLabelsStayDistinct() throws {
        let frame = try read("s\n1.50\n1.5\n2\n", options(factor: ["s"]))
        #expect(levels(frame, "s") == ["1.5", "1.50", "2"])
    }

    @Test func defaultLevelOrderIsLexicographicForText() throws {
        let frame = try read("g\nb\nB\na\n10\n9\n")
        #expect(levels(frame, "g") == ["10", "9", "B", "a", "b"])
    }

    @Test func numericColumnsAcceptNumbers() throws {
        let frame = try read("a\n1\nNA\n", options(numeric: ["a"]))
        #expect(numbers(frame, "a") == [1, nil])
    }

    @Test func numericColumnsRejectTextWithTheLine() {
        #expect(throws: DataError.notNumeric(column: "b", line: 3, value: "x")) {
            try read("a,b\n1,2\n2,x\n", options(numeric: ["b"]))
        }
        // Line numbers count blank lines and line breaks inside quoted fields.
        #expect(throws: DataError.notNumeric(column: "b", line: 5, value: "two words")) {
            try read("a,b\n\"p\nq\",1\n\nr,\"two words\"\n", options(numeric: ["b"]))
        }
    }

    @Test func collapsedQuotesDoNotShiftLineNumbers() throws {
        let text = "a,b\n\"q\"\"\n\"\"r\",1\nx,y\n"
        #expect(throws: DataError.notNumeric(column: "b", line: 4, value: "y")) {
            try read(text, options(numeric: ["b"]))
        }
        #expect(labels(try read(text), "a") == ["q\"\n\"r", "x"])
    }

    @Test func levelOrdersSetTheOrderAndKeepUnusedLevels() throws {
        let frame = try read("d,y\n5,1\n15,2\n10,3\nNA,4\n", options(levels: ["d": ["15", "5", "10", "20"]]))
        let expected = CategoricalColumn(codes: [1, 0, 2, -1], levels: ["15", "5", "10", "20"])
        #expect(try frame.column("d") == .categorical(expected))
    }

    @Test func levelOrdersMustListEveryLabelOnce() {
        #expect(throws: DataError.levelNotListed(column: "d", label: "10")) {
            try read("d\n5\n15\n10\n", options(levels: ["d": ["15", "5"]]))
        }
        #expect(throws: DataError.duplicateLevel(column: "d", label: "5")) {
            try read("d\n5\n15\n", options(levels: ["d": ["15", "5", "5"]]))
        }
    }

    @Test func unknownOptionColumnsSuggestTheClosestName() {
        let names = ["Reaction", "Days", "Subject"]
        let text = "Reaction,Days,Subject\n249.56,0,308\n"
        #expect(throws: DataError.unknownColumn(name: "Subjct", suggestion: "Subject", available: names)) {
            try read(text, options(factor: ["Subjct"]))
        }
        #expect(throws: DataError.unknownColumn(name: "zzz", suggestion: nil, available: names)) {
            try read(text, options(numeric: ["zzz"]))
        }
        #expect(throws: DataError.unknownColumn(name: "day", suggestion: "Days", available: names)) {
            try read(text, options(levels: ["day": ["0"]]))
        }
    }

    @Test func columnCannotBeBothNumericAndCategorical() {
        #expect(throws: DataError.conflictingColumnOptions(column: "a")) {
            try read("a\n1\n", options(factor: ["a"], numeric: ["a"]))
        }
    }

    // MARK: Errors

    @Test func emptyInputs() {
        for text in ["", "\n", "\r\n\n", "\u{FEFF}", "\u{FEFF}\n"] {
            #expect(throws: DataError.emptyFile) { try read(text) }
        }
    }

    @Test func headerWithoutData() {
        for text in ["a,b", "a,b\n", "a,b\r\n\r\n\n"] {
            #expect(throws: DataError.headerOnly) { try read(text) }
        }
    }

    @Test func raggedRowsNameTheLineAndCounts() {
        #expect(throws: DataError.raggedRow(line: 3, expected: 2, found: 1)) {
            try read("a,b\n1,2\n3\n")
        }
        #expect(throws: DataError.raggedRow(line: 6, expected: 2, found: 3)) {
            try read("a,b\n1,2\n\n\"x\ny\",2\n1,2,3\n")
        }
        #expect(throws: DataError.raggedRow(line: 2, expected: 1, found: 2)) {
            try read("a\n1,\n")
        }
    }

    @Test func unterminatedQuoteNamesTheLineWhereItOpened() {
        #expect(throws: DataError.unterminatedQuote(line: 3)) {
            try read("a,b\n1,2\n\"open,3\n4,5\n")
        }
        #expect(throws: DataError.unterminatedQuote(line: 2)) {
            try read("a\n\"ends with a doubled quote\"\"")
        }
        #expect(throws: DataError.unterminatedQuote(line: 1)) { try read("\"") }
    }

    @Test func textAfterClosingQuoteIsAnError() {
        #expect(throws: DataError.textAfterClosingQuote(line: 2)) { try read("a,b\n\"x\"y,2\n") }
        #expect(throws: DataError.textAfterClosingQuote(line: 2)) { try read("a,b\n\"x\" ,2\n") }
        #expect(throws: DataError.textAfterClosingQuote(line: 3)) { try read("a,b\n\"p\nq\"z,1\n") }
        #expect(throws: DataError.textAfterClosingQuote(line: 1)) { try read("\"a\"\"\"b\n1\n") }
    }

    @Test func invalidUTF8NamesTheLine() {
        let header = Array("a\nok\n".utf8)
        let cases: [[UInt8]] = [
            [0xFF],                     // never valid
            [0xC0, 0x80],               // overlong encoding of NUL
            [0xED, 0xA0, 0x80],         // a surrogate
            [0xF4, 0x90, 0x80, 0x80],   // above U+10FFFF
            [0x41, 0x80],               // continuation byte without a lead
            [0xE2, 0x82],               // cut short by the end
        ]
        for bad in cases {
            #expect(throws: DataError.invalidUTF8(line: 3), "\(bad)") {
                try CSVReader.read(bytes: header + bad)
            }
        }
        #expect(throws: DataError.invalidUTF8(line: 1)) { try CSVReader.read(bytes: [0x61, 0xFE, 0x0A, 0x31]) }
    }

    @Test func headerNamesMustBeNonEmptyAndDistinct() {
        #expect(throws: DataError.duplicateColumn("a")) { try read("a,b,a\n1,2,3\n") }
        #expect(throws: DataError.emptyColumnName(column: 2)) { try read("a,,c\n1,2,3\n") }
        #expect(throws: DataError.emptyColumnName(column: 1)) { try read("\"\",a\n1,2\n") }
    }

    @Test func unreadableFiles() {
        #expect(throws: DataError.fileNotReadable(path: "/nonexistent/x.csv", reason: "No such file or directory")) {
            try CSVReader.read(path: "/nonexistent/x.csv")
        }
        #expect(throws: DataError.fileNotReadable(path: "/", reason: "it is a directory")) {
            try CSVReader.read(path: "/")
        }
    }
}

@Suite struct NumberParserTests {
    private func parse(_ text: String) -> ParsedNumber {
        Array(text.utf8).withUnsafeBufferPointer { NumberParser.parse($0) }
    }

    @Test func classifiesFields() {
        #expect(parse("") == .blank)
        #expect(parse(" \t ") == .blank)
        #expect(parse("\t-2.5e+2 ") == .number(-250))
        #expect(parse("1e") == .notANumber)
        #expect(parse("+") == .notANumber)
        #expect(parse("-.") == .notANumber)
        #expect(parse("infinit") == .notANumber)
        #expect(parse("-INFINITY") == .number(-.infinity))
    }

    @Test func exponentsSaturate() {
        #expect(parse("1e99999999999999999999999") == .number(.infinity))
        #expect(parse("1e-99999999999999999999999") == .number(0))
        #expect(parse("0e99999") == .number(0))
    }
}
