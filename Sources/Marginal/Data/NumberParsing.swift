/// What a field's text is, read as a number.
enum ParsedNumber: Equatable {
    case number(Double)
    /// Only spaces and tabs (or nothing): R reads such a field in a numeric column as missing.
    case blank
    case notANumber
}

/// Reads decimal numbers from bytes, following what R's `read.csv` accepts as numbers, and
/// rounding correctly.
///
/// Accepted: optional spaces or tabs around the number; an optional sign; digits with an
/// optional decimal point (`12`, `1.5`, `.5`, `5.`); an optional exponent (`e` or `E`, optional
/// sign, at least one digit); and the special values `Inf`, `Infinity` and `NaN` in any letter
/// case, with an optional sign. Not accepted (R does accept them): hexadecimal (`0x1A`) and an
/// exponent without digits (`1e`), which are almost always typos in a data file.
///
/// Fast path (Clinger 1990): when the decimal significand w has at most 19 digits and
/// w ≤ 2^53, and the decimal exponent q satisfies |q| ≤ 22, both w and 10^|q| are exact
/// doubles, so w·10^q or w/10^−q is one correctly rounded IEEE operation. Other numbers go to
/// the standard library's correctly rounded conversion.
enum NumberParser {
    static func parse(_ text: UnsafeBufferPointer<UInt8>) -> ParsedNumber {
        guard let base = text.baseAddress else { return .blank }
        var i = 0
        var end = text.count
        while i < end && isBlank(base[i]) { i += 1 }
        while end > i && isBlank(base[end - 1]) { end -= 1 }
        if i == end { return .blank }
        let trimmedStart = i

        var negative = false
        if base[i] == UInt8(ascii: "-") || base[i] == UInt8(ascii: "+") {
            negative = base[i] == UInt8(ascii: "-")
            i += 1
            if i == end { return .notANumber }
        }
        // Letters: the special values.
        if base[i] > UInt8(ascii: "9") {
            let word = UnsafeBufferPointer(start: base + i, count: end - i)
            if matchesIgnoringCase(word, "inf") || matchesIgnoringCase(word, "infinity") {
                return .number(negative ? -.infinity : .infinity)
            }
            if matchesIgnoringCase(word, "nan") { return .number(.nan) }
            return .notANumber
        }

        var significand: UInt64 = 0
        var significantDigits = 0   // digits in `significand`, leading zeros excluded
        var digitsSeen = 0
        var exponent = 0            // decimal exponent applied to `significand`
        var truncated = false       // more than 19 significant digits

        while i < end, let digit = digitValue(base[i]) {
            digitsSeen += 1
            if significantDigits < 19 {
                significand = significand &* 10 &+ digit
                if significand != 0 { significantDigits += 1 }
            } else {
                exponent += 1
                truncated = truncated || digit != 0
            }
            i += 1
        }
        if i < end && base[i] == UInt8(ascii: ".") {
            i += 1
            while i < end, let digit = digitValue(base[i]) {
                digitsSeen += 1
                if significantDigits < 19 {
                    significand = significand &* 10 &+ digit
                    if significand != 0 { significantDigits += 1 }
                    exponent -= 1
                } else {
                    truncated = truncated || digit != 0
                }
                i += 1
            }
        }
        if digitsSeen == 0 { return .notANumber }

        if i < end && (base[i] == UInt8(ascii: "e") || base[i] == UInt8(ascii: "E")) {
            i += 1
            var exponentNegative = false
            if i < end && (base[i] == UInt8(ascii: "-") || base[i] == UInt8(ascii: "+")) {
                exponentNegative = base[i] == UInt8(ascii: "-")
                i += 1
            }
            var written = 0
            var exponentDigits = 0
            while i < end, let digit = digitValue(base[i]) {
                // Saturate: beyond ±100000 every double is already 0 or infinite.
                if written < 100_000 { written = written * 10 + Int(digit) }
                exponentDigits += 1
                i += 1
            }
            if exponentDigits == 0 { return .notANumber }
            exponent += exponentNegative ? -written : written
        }
        if i != end { return .notANumber }

        if significand == 0 && !truncated { return .number(negative ? -0.0 : 0.0) }
        if !truncated && significand <= (1 << 53) && exponent >= -22 && exponent <= 22 {
            var value = Double(significand)
            value = exponent >= 0 ? value * powersOfTen[exponent] : value / powersOfTen[-exponent]
            return .number(negative ? -value : value)
        }
        // Slow path: the standard library's correctly rounded, locale-independent conversion.
        let literal = String(decoding: UnsafeBufferPointer(start: base + trimmedStart, count: end - trimmedStart), as: UTF8.self)
        guard let value = Double(literal) else { return .notANumber }
        return .number(value)
    }

    /// 10^0 … 10^22, all exactly representable as doubles.
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    @inline(__always)
    private static func digitValue(_ byte: UInt8) -> UInt64? {
        let value = byte &- UInt8(ascii: "0")
        return value < 10 ? UInt64(value) : nil
    }

    @inline(__always)
    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == CSVByte.space || byte == CSVByte.tab
    }

    /// Whether `word` equals the lowercase ASCII `expected`, ignoring letter case.
    private static func matchesIgnoringCase(_ word: UnsafeBufferPointer<UInt8>, _ expected: StaticString) -> Bool {
        guard word.count == expected.utf8CodeUnitCount else { return false }
        let letters = UnsafeBufferPointer(start: expected.utf8Start, count: expected.utf8CodeUnitCount)
        for (byte, letter) in zip(word, letters) where byte | 0x20 != letter {
            return false
        }
        return true
    }
}
