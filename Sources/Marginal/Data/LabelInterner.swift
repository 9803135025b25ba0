/// Gives each distinct label (a byte string in the CSV text) a code 0, 1, 2, … in order of
/// first appearance, without making a `String` per field.
///
/// An open-addressing hash table (linear probing, at most half full) maps a label's bytes to
/// its code; labels are compared byte for byte, so only the distinct labels are ever copied.
struct LabelInterner {
    /// Where each label first occurred, in code order.
    private(set) var firstOccurrences: [FieldSpan] = []
    private var hashes: [UInt64] = []
    /// Code + 1 for an occupied slot, 0 for an empty one.
    private var slots: [Int32] = Array(repeating: 0, count: 64)

    var count: Int { firstOccurrences.count }

    /// The code of the label at `span` of `text`, adding the label if it is new.
    /// The number of labels must stay below `Int32.max` (callers bound the row count).
    mutating func code(of span: FieldSpan, in text: UnsafePointer<UInt8>) -> Int32 {
        let length = span.end - span.start
        let hash = Self.hash(text + span.start, length)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { break }
            let code = Int(entry) - 1
            if hashes[code] == hash {
                let other = firstOccurrences[code]
                if other.end - other.start == length
                    && (length == 0 || memoryEqual(text + other.start, text + span.start, length)) {
                    return Int32(truncatingIfNeeded: code)
                }
            }
            slot = (slot + 1) & mask
        }
        let code = firstOccurrences.count
        firstOccurrences.append(span)
        hashes.append(hash)
        slots[slot] = Int32(truncatingIfNeeded: code + 1)
        if 2 * firstOccurrences.count > slots.count { grow() }
        return Int32(truncatingIfNeeded: code)
    }

    /// Doubles the table and reinserts every label by its stored hash.
    private mutating func grow() {
        var larger = [Int32](repeating: 0, count: slots.count * 2)
        let mask = larger.count - 1
        for (code, hash) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash) & mask
            while larger[slot] != 0 { slot = (slot + 1) & mask }
            larger[slot] = Int32(truncatingIfNeeded: code + 1)
        }
        slots = larger
    }

    /// FNV-1a over the bytes, then a final multiply–xorshift so that low bits mix well.
    private static func hash(_ bytes: UnsafePointer<UInt8>, _ length: Int) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for i in 0..<length {
            h = (h ^ UInt64(bytes[i])) &* 0x0000_0100_0000_01B3
        }
        h ^= h >> 32
        h = h &* 0xD6E8_FEB8_6659_FD93
        h ^= h >> 32
        return h
    }
}

/// Whether `count` bytes at `a` and at `b` are equal.
@inline(__always)
func memoryEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    for i in 0..<count where a[i] != b[i] { return false }
    return true
}
