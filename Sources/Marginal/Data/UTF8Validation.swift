/// The offset of the first byte that does not belong to a well-formed UTF-8 sequence, or `nil`
/// when all of `bytes` is valid UTF-8.
///
/// Well-formed follows the Unicode Standard, Table 3-7: no overlong encodings, no surrogates
/// (U+D800–U+DFFF), nothing above U+10FFFF, and no sequence cut short by the end of the text.
/// ASCII text, the common case, is checked eight bytes at a time.
func firstInvalidUTF8Offset(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
    guard let base = bytes.baseAddress else { return nil }
    let count = bytes.count
    let raw = UnsafeRawPointer(base)
    var i = 0
    while i < count {
        // Skip whole words of ASCII.
        while i + 8 <= count,
              raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
            i += 8
        }
        guard i < count else { break }
        let lead = base[i]
        if lead < 0x80 {
            i += 1
            continue
        }
        // The allowed range of the second byte depends on the lead byte; later bytes are 80–BF.
        let length: Int
        var secondLow: UInt8 = 0x80
        var secondHigh: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondLow = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondHigh = 0x9F
        case 0xF0: length = 4; secondLow = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondHigh = 0x8F
        default: return i
        }
        guard i + length <= count else { return i }
        let second = base[i + 1]
        guard second >= secondLow && second <= secondHigh else { return i }
        var k = 2
        while k < length {
            guard base[i + k] & 0xC0 == 0x80 else { return i }
            k += 1
        }
        i += length
    }
    return nil
}
