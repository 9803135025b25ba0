#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits `total` rows among `levels` levels so that every level gets at least one row and the
/// rest follow lognormal weights: wᵢ = exp(`spread`·zᵢ) with zᵢ ~ N(0, 1).
///
/// Level i gets 1 + ⌊qᵢ⌋ rows, with quota qᵢ = (total − levels)·wᵢ/Σw, and the rows left over
/// go one each to the levels with the largest fractional parts qᵢ − ⌊qᵢ⌋ (largest-remainder
/// apportionment; ties to the lower index). The sizes therefore add up to `total` exactly.
/// `spread` = 0 gives a balanced split (sizes differ by at most one, larger ones first);
/// `spread` ≈ 0.65 matches the spread of log ratings per student in lme4's InstEval and
/// ≈ 1 the spread per lecturer. The caller guarantees 1 ≤ levels ≤ total and 0 ≤ spread ≤ 10.
func skewedLevelSizes(total: Int, levels: Int, spread: Double, random: inout RandomSource) -> [Int] {
    guard levels > 0 else { return [] }
    // Weights relative to the largest, exp(spread·(zᵢ − max z)) ∈ (0, 1]: the same shares, and
    // no overflow for large spreads.
    let logWeights: [Double] = spread == 0
        ? Array(repeating: 0, count: levels)
        : (0..<levels).map { _ in spread * random.normal() }
    let largest = logWeights.max() ?? 0
    let weights = logWeights.map { exp($0 - largest) }
    let weightSum = weights.reduce(0, +)
    let extra = total - levels
    var sizes = [Int](repeating: 1, count: levels)
    var remainders = [Double](repeating: 0, count: levels)
    var assigned = 0
    for i in 0..<levels {
        let quota = Double(extra) * weights[i] / weightSum
        let whole = Int(quota.rounded(.down))
        sizes[i] += whole
        remainders[i] = quota - Double(whole)
        assigned += whole
    }
    var leftover = extra - assigned
    if leftover > 0 {
        let order = (0..<levels).sorted { a, b in
            remainders[a] != remainders[b] ? remainders[a] > remainders[b] : a < b
        }
        for i in order.prefix(leftover) { sizes[i] += 1 }
    } else if leftover < 0 {
        // Rounding pushed the floors past `extra` (rare): take rows back from the largest levels.
        let order = (0..<levels).sorted { a, b in sizes[a] != sizes[b] ? sizes[a] > sizes[b] : a < b }
        var position = 0
        while leftover < 0 {
            let i = order[position % levels]
            if sizes[i] > 1 {
                sizes[i] -= 1
                leftover += 1
            }
            position += 1
        }
    }
    return sizes
}

/// Level codes for rows grouped by level: `sizes[l]` rows of level l, in level order.
func levelCodes(sizes: [Int]) -> [Int32] {
    var codes = [Int32]()
    codes.reserveCapacity(sizes.reduce(0, +))
    for (level, size) in sizes.enumerated() {
        codes.append(contentsOf: repeatElement(Int32(level), count: size))
    }
    return codes
}

/// Labels "1", "2", …, "`count`": level labels like those of lme4's InstEval factors, whose
/// numeric order is also R's default factor level order for such labels.
func numberedLabels(_ count: Int) -> [String] {
    (0..<count).map { String($0 + 1) }
}
