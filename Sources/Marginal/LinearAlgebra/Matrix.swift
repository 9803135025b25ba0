/// A dense matrix of `Double` stored column-major (the layout BLAS and LAPACK expect):
/// element (i, j) is `elements[i + j * rows]`.
public struct Matrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public var elements: [Double]

    /// A `rows` × `columns` matrix filled with `value`.
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "negative matrix dimension")
        self.rows = rows
        self.columns = columns
        self.elements = Array(repeating: value, count: rows * columns)
    }

    /// A matrix over existing column-major storage.
    public init(rows: Int, columns: Int, elements: [Double]) {
        precondition(elements.count == rows * columns, "storage does not match the dimensions")
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// A matrix from its columns (all of the same length).
    public init(columns: [[Double]]) {
        let rows = columns.first?.count ?? 0
        precondition(columns.allSatisfy { $0.count == rows }, "columns differ in length")
        self.init(rows: rows, columns: columns.count, elements: columns.flatMap { $0 })
    }

    /// The n × n identity.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m[i, i] = 1 }
        return m
    }

    public subscript(row: Int, column: Int) -> Double {
        get { elements[row + column * rows] }
        set { elements[row + column * rows] = newValue }
    }

    /// Column `j` as an array.
    public func column(_ j: Int) -> [Double] {
        Array(elements[(j * rows)..<((j + 1) * rows)])
    }
}
