import Testing
@testable import Marginal

/// Numbers as R labels them (`as.character`, R 4.x) and numeric columns made factors.
@Suite struct FormulaColumnConversionTests {
    @Test(arguments: [(Double, String)]([
        (308.0, "308"), (0.5, "0.5"), (1e5, "1e+05"), (123456, "123456"), (1e-4, "1e-04"), (0.001, "0.001"),
        (1.0 / 3, "0.333333333333333"), (1e-20, "1e-20"), (1e15, "1e+15"), (123456789012, "123456789012"),
        (0.1 + 0.2, "0.3"), (-2.5, "-2.5"), (100, "100"), (1234567.1, "1234567.1"), (-0.0, "0"),
        (1e100, "1e+100"), (2.5e-7, "2.5e-07"), (-1e5, "-1e+05"),
        (Double.infinity, "Inf"), (-Double.infinity, "-Inf"), (Double.nan, "NaN"),
    ]))
    func labelsNumbersAsR(value: Double, label: String) {
        #expect(rNumberLabel(value) == label)
    }

    @Test func numericColumnBecomesAFactorInNumericOrder() {
        let column = NumericColumn(values: [10, 2.5, .nan, 10, 100000, 3], missing: [false, false, true, false, false, false])
        let factor = column.asCategorical()
        #expect(factor.levels == ["2.5", "3", "10", "1e+05"])
        #expect(factor.codes == [2, 0, -1, 2, 3, 1])
    }

    @Test func valuesEqualTo15DigitsShareALevel() {
        let factor = NumericColumn([0.1 + 0.2, 0.3, 1]).asCategorical()
        #expect(factor.levels == ["0.3", "1"])
        #expect(factor.codes == [0, 0, 1])
    }

    @Test func categoricalColumnStaysAsItIs() {
        let column = CategoricalColumn(labels: ["b", nil, "a"])
        #expect(Column.categorical(column).asCategorical() == column)
    }
}
