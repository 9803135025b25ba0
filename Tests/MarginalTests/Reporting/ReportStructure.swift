import Foundation
import Testing

/// What the report tests read out of an HTML report: its charts (id and kind) and every
/// number in a coordinate attribute, with the checks every report must pass.
struct ReportStructure {
    var html: String
    /// (id, kind) of each `<svg class="chart KIND">`.
    var charts: [(id: String, kind: String)]
    /// Every coordinate attribute's text that is not a finite number.
    var badNumbers: [String]
    var coordinateCount: Int

    init(html: String) throws {
        self.html = html
        let chartPattern = try NSRegularExpression(pattern: "<svg xmlns=\"[^\"]*\" id=\"([^\"]+)\" class=\"chart ([a-z]+)\"")
        let range = NSRange(html.startIndex..., in: html)
        charts = chartPattern.matches(in: html, range: range).compactMap { match in
            guard let id = Range(match.range(at: 1), in: html), let kind = Range(match.range(at: 2), in: html) else { return nil }
            return (String(html[id]), String(html[kind]))
        }
        let attributePattern = try NSRegularExpression(pattern: " (x|y|x1|y1|x2|y2|cx|cy|r|width|height|points|viewBox)=\"([^\"]*)\"")
        var bad: [String] = []
        var count = 0
        for match in attributePattern.matches(in: html, range: range) {
            guard let value = Range(match.range(at: 2), in: html) else { continue }
            for token in html[value].split(whereSeparator: { $0 == " " || $0 == "," }) {
                count += 1
                if let number = Double(token), number.isFinite { continue }
                bad.append(String(token))
            }
        }
        badNumbers = bad
        coordinateCount = count
    }

    var ids: Set<String> { Set(charts.map(\.id)) }

    /// The text of every `<svg>…</svg>` element.
    var svgElements: [String] {
        html.components(separatedBy: "<svg ").dropFirst().map { "<svg " + ($0.components(separatedBy: "</svg>").first ?? "") }
    }

    /// The checks every report passes: charts present, every coordinate a finite number, no
    /// NaN or infinity anywhere in the drawing, nothing loaded from outside the file, a size
    /// limit, and unique ids.
    func checkCommon(maximumBytes: Int = 5_000_000, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(html.hasPrefix("<!DOCTYPE html>"), sourceLocation: sourceLocation)
        #expect(html.hasSuffix("</html>\n"), sourceLocation: sourceLocation)
        #expect(!charts.isEmpty, sourceLocation: sourceLocation)
        #expect(coordinateCount > 0, sourceLocation: sourceLocation)
        #expect(badNumbers.isEmpty, "non-finite coordinates: \(badNumbers.prefix(5))", sourceLocation: sourceLocation)
        let drawings = svgElements.joined()
        for word in ["NaN", "\"nan", "nan\"", ">nan", ">-nan", ">inf", ">-inf", "inf\"", "Infinity"] {
            #expect(!drawings.contains(word), "an SVG contains \(word)", sourceLocation: sourceLocation)
        }
        // Only the SVG namespace may name an address; nothing is fetched (no script, link, image, font).
        let addresses = html.components(separatedBy: "http").count - 1
        let namespaces = html.components(separatedBy: "xmlns=\"http://www.w3.org/2000/svg\"").count - 1
        #expect(addresses == namespaces, "the report names an address other than the SVG namespace", sourceLocation: sourceLocation)
        for tag in ["<script", "<link", "<img", "@import", "url("] {
            #expect(!html.contains(tag), "the report contains \(tag)", sourceLocation: sourceLocation)
        }
        #expect(html.utf8.count < maximumBytes, sourceLocation: sourceLocation)
        #expect(ids.count == charts.count, "chart ids are not unique", sourceLocation: sourceLocation)
    }

    /// Expects a chart with each id, of the kind given.
    func expectCharts(_ expected: [String: String], sourceLocation: SourceLocation = #_sourceLocation) {
        let kinds = Dictionary(charts.map { ($0.id, $0.kind) }, uniquingKeysWith: { a, _ in a })
        for (id, kind) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(kinds[id] == kind, "expected chart \(id) (\(kind)); found \(kinds[id] ?? "none")", sourceLocation: sourceLocation)
        }
    }
}
