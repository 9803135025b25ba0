/// Types and builds one column of a tokenized CSV file.
///
/// Several columns are built at once from different threads; the builder only reads the
/// borrowed text, which nobody mutates while it lives, hence `@unchecked Sendable`.
struct CSVColumnBuilder: @unchecked Sendable {
    let records: CSVRecords
    /// The bytes of `records.bytes`, borrowed for the duration of the build.
    let text: UnsafeBufferPointer<UInt8>
    let missing: MissingTokens

    /// Builds column `column` called `name` as `request` asks.
    func build(column: Int, name: String, request: ColumnRequest) throws(DataError) -> Column {
        switch request {
        case .inferred:
            switch numeric(column: column) {
            case .success(let values): return .numeric(values)
            case .failure: return .categorical(try categorical(column: column, name: name, levelOrder: nil))
            }
        case .numeric:
            switch numeric(column: column) {
            case .success(let values): return .numeric(values)
            case .failure(let failure):
                let span = records.span(row: failure.row, column: column)
                throw .notNumeric(column: name, line: line(of: span), value: string(span))
            }
        case .categorical(let levelOrder):
            return .categorical(try categorical(column: column, name: name, levelOrder: levelOrder))
        }
    }

    /// The data row of the first field that is neither missing nor a number.
    struct NotANumber: Error {
        let row: Int
    }

    /// The column as numbers, or the first row that is not a number.
    ///
    /// Missing tokens are checked first (so a token such as `-99` can mark missing values);
    /// a field of only spaces is missing when the empty text is, as R reads blank numeric fields.
    func numeric(column: Int) -> Result<NumericColumn, NotANumber> {
        guard let base = text.baseAddress else {
            return .success(NumericColumn(values: [], missing: []))
        }
        let rows = records.dataRowCount
        var failedRow: Int?
        var values = [Double](repeating: .nan, count: rows)
        var isMissing = [Bool](repeating: false, count: rows)
        records.spans.withUnsafeBufferPointer { spans in
            let stride = records.columnCount
            var index = stride + column
            for row in 0..<rows {
                let span = spans[index]
                index += stride
                let field = UnsafeBufferPointer(start: base + span.start, count: span.end - span.start)
                if missing.contains(field) {
                    isMissing[row] = true
                    continue
                }
                switch NumberParser.parse(field) {
                case .number(let value):
                    values[row] = value
                case .blank where missing.includesEmpty:
                    isMissing[row] = true
                case .blank, .notANumber:
                    failedRow = row
                    return
                }
            }
        }
        if let failedRow { return .failure(NotANumber(row: failedRow)) }
        return .success(NumericColumn(values: values, missing: isMissing))
    }

    /// The column as categories: labels are the field texts exactly as written (unquoted).
    ///
    /// Levels follow `levelOrder` when given (every label present must be listed, none twice;
    /// listed labels absent from the data stay as empty levels, as with R's `factor(levels=)`),
    /// otherwise ``CategoricalColumn/defaultLevelOrder(_:)``.
    func categorical(column: Int, name: String, levelOrder: [String]?) throws(DataError) -> CategoricalColumn {
        guard let base = text.baseAddress else { return CategoricalColumn(codes: [], levels: levelOrder ?? []) }
        let rows = records.dataRowCount
        var interner = LabelInterner()
        var codes = [Int32](repeating: -1, count: rows)
        records.spans.withUnsafeBufferPointer { spans in
            let stride = records.columnCount
            var index = stride + column
            // Data often repeats a label on consecutive rows; reuse the last code then.
            var previous = FieldSpan(start: 0, end: -1)
            var previousCode: Int32 = -1
            for row in 0..<rows {
                let span = spans[index]
                index += stride
                let length = span.end - span.start
                if length == previous.end - previous.start
                    && memoryEqual(base + span.start, base + previous.start, length) {
                    codes[row] = previousCode
                    continue
                }
                let field = UnsafeBufferPointer(start: base + span.start, count: length)
                let code: Int32 = missing.contains(field) ? -1 : interner.code(of: span, in: base)
                codes[row] = code
                previous = span
                previousCode = code
            }
        }
        let firstSeen = interner.firstOccurrences.map(string)
        let levels: [String]
        if let levelOrder {
            levels = try Self.checked(levelOrder, column: name)
        } else {
            levels = CategoricalColumn.defaultLevelOrder(firstSeen)
        }

        var position: [String: Int32] = [:]
        for (index, level) in levels.enumerated() { position[level] = Int32(truncatingIfNeeded: index) }
        var recode = [Int32](repeating: -1, count: firstSeen.count)
        for (code, label) in firstSeen.enumerated() {
            guard let level = position[label] else { throw .levelNotListed(column: name, label: label) }
            recode[code] = level
        }
        for row in 0..<rows where codes[row] >= 0 {
            codes[row] = recode[Int(codes[row])]
        }
        return CategoricalColumn(codes: codes, levels: levels)
    }

    /// A user-given level order, checked for repeated labels.
    private static func checked(_ order: [String], column: String) throws(DataError) -> [String] {
        var seen = Set<String>()
        for label in order where !seen.insert(label).inserted {
            throw .duplicateLevel(column: column, label: label)
        }
        return order
    }

    private func string(_ span: FieldSpan) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: text[span.start..<span.end]), as: UTF8.self)
    }

    private func line(of span: FieldSpan) -> Int {
        lineNumber(ofOffset: span.start, in: text)
    }
}
