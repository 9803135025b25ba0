/// How a factor with ℓ levels is coded by ℓ − 1 columns when it enters a model matrix
/// through contrasts (R's `contr.*` functions). The contrast matrix C is ℓ × (ℓ − 1);
/// a row at level k gets row k of C.
public enum ContrastKind: String, Sendable, CaseIterable, Codable {
    /// R's `contr.treatment` (the default): column j (j = 1…ℓ−1) is the indicator of level j;
    /// the first level is the reference. Column names: factor name + level label (`serviceY`).
    case treatment
    /// R's `contr.sum`: column j is the indicator of level j minus the indicator of the last
    /// level, so the coefficients sum to zero over the levels. Column names: factor name + j
    /// (`f1`, `f2`, …), as R names them.
    case sum
    /// R's `contr.helmert`: column j is −1 on levels 0…j−1, j on level j, 0 above; the
    /// columns are orthogonal. Column names: factor name + j.
    case helmert
    /// R's `contr.poly`, the default for ordered factors: the orthogonal polynomials of degrees
    /// 1…ℓ−1 on the scores 1…ℓ, each of unit length (``OrthogonalPolynomial`` of 1…ℓ).
    /// Column names: factor name + `.L`, `.Q`, `.C`, `^4`, `^5`, …
    case polynomial

    /// The ℓ × (ℓ − 1) contrast matrix, as rows: `matrix(levelCount)[level][column]`.
    func matrix(levelCount: Int) -> [[Double]] {
        let columns = max(levelCount - 1, 0)
        let scores = (1...max(levelCount, 1)).map(Double.init)
        let polynomialColumns = self == .polynomial
            ? OrthogonalPolynomial(fitting: scores, degree: columns)?.columns(at: scores) ?? [] : []
        return (0..<levelCount).map { level in
            (0..<columns).map { column in
                switch self {
                case .treatment:
                    return level == column + 1 ? 1 : 0
                case .sum:
                    if level == levelCount - 1 { return -1 }
                    return level == column ? 1 : 0
                case .helmert:
                    if level <= column { return -1 }
                    return level == column + 1 ? Double(column + 1) : 0
                case .polynomial:
                    return polynomialColumns[column][level]
                }
            }
        }
    }

    /// The suffixes R appends to the factor's name for the ℓ − 1 columns.
    func columnSuffixes(levels: [String]) -> [String] {
        switch self {
        case .treatment: Array(levels.dropFirst())
        case .sum, .helmert: (0..<max(levels.count - 1, 0)).map { String($0 + 1) }
        case .polynomial: (1..<max(levels.count, 1)).map { [1: ".L", 2: ".Q", 3: ".C"][$0] ?? "^\($0)" }
        }
    }
}
