#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

extension Column {
    /// The column as categorical: itself when it already is, else its values turned into
    /// levels as R's `factor(x)` does for a numeric x (see ``NumericColumn/asCategorical()``).
    public func asCategorical() -> CategoricalColumn {
        switch self {
        case .categorical(let column): column
        case .numeric(let column): column.asCategorical()
        }
    }
}

extension NumericColumn {
    /// The distinct values as levels, in increasing numeric order, labelled as R's
    /// `as.character` labels them (``rNumberLabel(_:)``: 308.0 → "308", 0.5 → "0.5").
    /// Values whose labels coincide (equal to 15 significant digits) share a level, as in R.
    /// Missing entries stay missing; a NaN value (not missing) becomes the last level, "NaN".
    public func asCategorical() -> CategoricalColumn {
        var distinct = Array(Set(zip(values, missing).filter { !$0.1 && !$0.0.isNaN }.map(\.0))).sorted()
        if zip(values, missing).contains(where: { !$0.1 && $0.0.isNaN }) { distinct.append(.nan) }
        var levels: [String] = []
        var levelIndex: [String: Int32] = [:]
        var codeOfValue: [Double: Int32] = [:]  // NaN is handled apart: it never equals itself
        var nanCode: Int32 = -1
        for value in distinct {
            let label = rNumberLabel(value)
            if levelIndex[label] == nil {
                levelIndex[label] = Int32(levels.count)
                levels.append(label)
            }
            let code = levelIndex[label] ?? -1
            if value.isNaN { nanCode = code } else { codeOfValue[value] = code }
        }
        let codes = zip(values, missing).map { value, isMissing -> Int32 in
            if isMissing { return -1 }
            return value.isNaN ? nanCode : codeOfValue[value] ?? -1
        }
        return CategoricalColumn(codes: codes, levels: levels)
    }
}

/// A number written as R's `as.character` writes a double: up to 15 significant digits,
/// in fixed notation unless scientific notation is shorter (R's rule with `scipen = 0`):
/// 308 → "308", 0.5 → "0.5", 1e5 → "1e+05", 123456 → "123456", 1e-4 → "1e-04",
/// 0.001 → "0.001", 1/3 → "0.333333333333333", -0.0 → "0", and "Inf", "-Inf", "NaN".
/// (R writes some numbers of 16 or more digits in fixed notation with more digits; this
/// function keeps to 15 significant digits throughout.)
public func rNumberLabel(_ x: Double) -> String {
    if x.isNaN { return "NaN" }
    if x.isInfinite { return x < 0 ? "-Inf" : "Inf" }
    if x == 0 { return "0" }
    // 15 significant digits: d.dddddddddddddde±XX.
    let scientific = formatDouble("%.14e", x)
    guard let eIndex = scientific.firstIndex(of: "e"),
          let exponent = Int(scientific[scientific.index(after: eIndex)...]) else { return scientific }
    let mantissaDigits = scientific[..<eIndex].filter(\.isNumber)
    var significant = mantissaDigits.count
    for digit in mantissaDigits.reversed() {
        guard digit == "0", significant > 1 else { break }
        significant -= 1
    }
    let negative = x < 0 ? 1 : 0
    let scientificWidth = negative + (significant > 1 ? significant + 1 : 1) + (abs(exponent) >= 100 ? 5 : 4)
    let decimals = max(0, significant - exponent - 1)
    let integerDigits = exponent >= 0 ? exponent + 1 : 1
    let fixedWidth = negative + integerDigits + (decimals > 0 ? decimals + 1 : 0)
    if fixedWidth <= scientificWidth {
        return formatDouble("%.\(decimals)f", x)
    }
    return formatDouble("%.\(significant - 1)e", x)
}

/// `snprintf` with one double argument.
private func formatDouble(_ format: String, _ value: Double) -> String {
    var buffer = [CChar](repeating: 0, count: 64)
    let count = buffer.count
    _ = withVaList([value]) { arguments in
        buffer.withUnsafeMutableBufferPointer { pointer in
            vsnprintf(pointer.baseAddress, count, format, arguments)
        }
    }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
