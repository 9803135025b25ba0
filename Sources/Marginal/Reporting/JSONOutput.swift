import Foundation

/// The JSON conventions of every `--json` output: pretty-printed, keys sorted, and the
/// non-finite numbers JSON cannot hold written as the strings "NaN", "Inf" and "-Inf".
public enum JSONOutput {
    public static func encode<Value: Encodable>(_ value: Value) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Inf", negativeInfinity: "-Inf", nan: "NaN")
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
