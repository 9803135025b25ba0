/// The text of one field: bytes `start..<end` of ``CSVRecords/bytes``, without enclosing quotes
/// and with doubled quotes already collapsed to one.
struct FieldSpan: Sendable, Equatable {
    var start: Int
    var end: Int
}

/// CSV text cut into records and fields, before any typing of columns.
struct CSVRecords: Sendable {
    /// The text. Quoted fields containing doubled quotes were rewritten in place so that each
    /// field's content is one contiguous span; the bytes freed that way hold spaces, and the
    /// number of line feeds before any field is unchanged, so byte offsets still give lines.
    var bytes: [UInt8]
    /// Number of fields in every record (set by the header).
    var columnCount: Int
    /// Field spans in row-major order; the first `columnCount` belong to the header.
    var spans: [FieldSpan]

    /// Number of records after the header.
    var dataRowCount: Int { columnCount == 0 ? 0 : spans.count / columnCount - 1 }

    /// The span of data row `row` (0-based, header excluded) in column `column`.
    func span(row: Int, column: Int) -> FieldSpan {
        spans[(row + 1) * columnCount + column]
    }
}
