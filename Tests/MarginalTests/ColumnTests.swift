import Testing
@testable import Marginal

@Suite struct ColumnTests {
    @Test func numericLabelsSortNumerically() {
        let column = CategoricalColumn(labels: ["10", "9", nil, "100", "9"])
        #expect(column.levels == ["9", "10", "100"])
        #expect(column.codes == [1, 0, -1, 2, 0])
    }

    @Test func textLabelsSortLexicographically() {
        let column = CategoricalColumn(labels: ["b", "B", "a"])
        #expect(column.levels == ["B", "a", "b"])
    }

    @Test func closestNameSuggestsTypos() {
        #expect(closestName(to: "Reactoin", among: ["Reaction", "Days", "Subject"]) == "Reaction")
        #expect(closestName(to: "zzzzzz", among: ["Reaction", "Days"]) == nil)
    }
}
