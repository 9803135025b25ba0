/// A variable of the model frame with its values on the kept rows: numbers, or a factor
/// (codes into levels that all occur).
enum FrameVariable: Sendable {
    case numeric([Double])
    case factor(CategoricalColumn)

    var isFactor: Bool {
        if case .factor = self { return true }
        return false
    }
}
