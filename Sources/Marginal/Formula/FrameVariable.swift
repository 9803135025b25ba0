/// A variable of the model frame with its values on the kept rows: numbers, a factor
/// (codes into levels that all occur), or the columns of a basis (`poly(x, 2)`, `ns(x, 3)`).
enum FrameVariable: Sendable {
    case numeric([Double])
    /// Several numeric columns, named in a model matrix by the label and 1, 2, … (R's names).
    case basis([[Double]])
    case factor(CategoricalColumn)

    var isFactor: Bool {
        if case .factor = self { return true }
        return false
    }
}
