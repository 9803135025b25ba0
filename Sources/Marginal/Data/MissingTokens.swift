/// Decides whether a field's text is one of the missing-value tokens (``CSVOptions/missingTokens``).
///
/// The test is on the field's content after quotes are removed, so `"NA"` is missing just like
/// `NA`, as in R's `read.csv` (its `na.strings` apply to quoted fields too). Text is compared
/// exactly: `NA ` with a trailing space is not missing.
struct MissingTokens: Sendable {
    private let tokens: [[UInt8]]
    private let emptyIsMissing: Bool

    init(_ tokens: Set<String>) {
        emptyIsMissing = tokens.contains("")
        self.tokens = tokens.filter { !$0.isEmpty }.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// Whether the empty text counts as missing.
    var includesEmpty: Bool { emptyIsMissing }

    func contains(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        if text.isEmpty { return emptyIsMissing }
        for token in tokens where token.count == text.count {
            if token.withUnsafeBufferPointer({ $0.elementsEqual(text) }) { return true }
        }
        return false
    }
}
