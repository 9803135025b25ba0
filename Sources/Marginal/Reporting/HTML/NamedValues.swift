/// A named sequence of values: one curve of a ``DensityChart``, one panel of a
/// ``HistogramChart``.
public struct NamedValues: Sendable {
    public var name: String
    public var values: [Double]

    public init(name: String, values: [Double]) {
        self.name = name
        self.values = values
    }
}
